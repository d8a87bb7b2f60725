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
        while true {
            do {
                try await write()
                return true
            } catch {
                guard let delay = delays.popFirst(), await sleepUnlessStopping(delay) else {
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
