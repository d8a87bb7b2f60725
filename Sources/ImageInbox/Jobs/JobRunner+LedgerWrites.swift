import Logging

extension JobRunner {
    /// How long a failed ledger write waits before each new try: a busy database or a disk
    /// that is briefly full passes in that time.
    static let ledgerWriteRetryDelays: [Duration] = [.milliseconds(100), .milliseconds(500), .seconds(2)]

    /// Writes to the ledger, trying again briefly when the write fails; when it still fails,
    /// logs once what was not recorded and what happens because of it.
    ///
    /// - Parameters:
    ///   - what: What the write records, as the log names it ("the finished job").
    ///   - consequence: What happens now that it is not recorded, for the person reading the log.
    /// - Returns: Whether the write was recorded.
    @discardableResult
    func recording(_ what: String, consequence: String, logger: Logger, _ write: () async throws -> Void) async -> Bool {
        var delays = Self.ledgerWriteRetryDelays[...]
        var waitingForServer = false
        while true {
            do {
                try await write()
                if waitingForServer { logger.notice("The job ledger answers again, \(what) is recorded") }
                return true
            } catch {
                // A shared ledger's server may be away for minutes: what was paid for is recorded
                // when it is back (and, should the daemon stop first, found on the share by
                // whichever host takes the job).
                if delays.isEmpty && ledger.isShared && !waitingForServer {
                    waitingForServer = true
                    logger.error("Ledger write failed, \(what) is recorded once the ledger answers", metadata: ["error": "\(error)"])
                }
                guard let delay = delays.popFirst() ?? (waitingForServer ? .seconds(5) : nil), await sleepUnlessStopping(delay) else {
                    logger.error(
                        "Ledger write failed, \(what) is not recorded; \(consequence)",
                        metadata: ["error": "\(error)", "ledger.tries": "\(Self.ledgerWriteRetryDelays.count - delays.count + 1)"]
                    )
                    return false
                }
            }
        }
    }
}
