import Foundation
import Logging

extension JobRunner {
    /// Keeps a finished job's images in the state directory while its folder is away, and
    /// records the job done (it was paid for) with no outputs yet.
    ///
    /// - Returns: Whether they are held; if not, the caller reports the write failure.
    func hold(
        _ images: [[UInt8]],
        fileExtension: String,
        work: JobWork,
        source: SettledSource,
        job: JobRecord,
        answer: Answer,
        estimate: Double?,
        logger: Logger
    ) async -> Bool {
        guard let heldResults else { return false }
        let entry = HeldResults.Entry(
            jobID: job.id, inbox: source.inbox, sourcePath: source.path, stem: work.resultStem(for: source, created: job.createdAt),
            fileExtension: fileExtension, numbered: images.count > 1, count: images.count
        )
        let held = await FileSystem.offloaded { Result { () throws(ImageInboxError) in try heldResults.hold(images, for: entry) } }
        if case .failure(let error) = held {
            logger.error("Folder unavailable and its results can't be held in the state directory", metadata: ["error": "\(error.message)"])
            return false
        }
        await recording("the finished job", consequence: "its results are held, and the next start may ask for them again", logger: logger) {
            try await ledger.recordSuccess(job, outputs: [], usage: answer.usage, estimatedUSD: estimate, requestID: answer.requestID, now: now())
        }
        logger.warning(
            "Folder unavailable, results held in the state directory until it is back",
            metadata: ["held.path": "\(heldResults.directory)/\(job.id)", "job.count": "\(images.count)"]
        )
        return true
    }

    /// Writes the results held for sources below `folder` (an inbox or a mount inside one;
    /// every held result when nil) whose folder is back.
    func deliverHeldResults(for folder: String?) async {
        guard let heldResults else { return }
        let logger = self.logger
        let entries = await FileSystem.offloaded {
            heldResults.entries { path, problem in
                logger.error("Held results refused, left in the state directory untouched", metadata: ["held.path": "\(path)", "error": "\(problem)"])
            }
        }.filter { folder == nil || $0.sourcePath.hasPrefix(folder! + "/") }
        for entry in entries where availability.awayFolder(of: entry.sourcePath, in: entry.inbox) == nil {
            var logger = self.logger
            logger[metadataKey: "file.path"] = "\(entry.sourcePath)"
            logger[metadataKey: "job.id"] = "\(entry.jobID)"
            let ownership = output(logger)
            let delivered = await FileSystem.offloaded { Result { () throws(ImageInboxError) in try heldResults.deliver(entry, ownership: ownership) } }
            switch delivered {
            case .success(let outputs):
                await recording("where the held results went", consequence: "image-inbox status lists the job without its results", logger: logger) {
                    try await ledger.recordOutputs(jobID: entry.jobID, outputs: outputs, now: now())
                }
                await removeNotes(for: entry.sourcePath)
                logger.notice("Held results delivered", metadata: ["job.outputs": "\(outputs.map { SourceName(path: $0).fileName }.joined(separator: ", "))"])
            case .failure(let error):
                logger.error("Held results could not be delivered, kept for the next return or start", metadata: ["error": "\(error.message)"])
            }
        }
        if folder != nil, await queue.pause?.reason.hasPrefix(Self.heldPauseReason) == true {
            await resume()
        }
    }

    static let heldPauseReason = "results held for unavailable inboxes"

    /// Pauses the queue while more than the limit of results is held (the inboxes they belong to
    /// are away): new jobs wait until some are delivered.
    func pauseWhileTooMuchIsHeld() async -> Outcome? {
        guard let heldResults else { return nil }
        // One listing of a folder on the local state disk, usually empty: not worth a thread hop.
        let bytes = heldResults.heldBytes()
        guard bytes >= heldResults.maximumBytes else { return nil }
        await pauseQueue(
            reason: "\(Self.heldPauseReason) fill \(bytes / 1_048_576) MB of \(heldResults.maximumBytes / 1_048_576) MB",
            cause: .heldResults,
            for: configuration.pauseProbeInterval
        )
        return .paused
    }
}
