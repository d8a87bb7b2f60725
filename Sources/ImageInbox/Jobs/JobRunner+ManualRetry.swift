import Foundation
import Logging
import Synchronization

extension JobRunner {
    /// Puts back in the queue the failed jobs of the sources whose error notes someone deleted
    /// (from any client on the share: "try again"), and returns those sources, to be taken in
    /// as usual. A request whose source's latest job did not fail is dropped: the daemon removes
    /// a note itself when a job succeeds, and that asks for nothing.
    func reopenManualRetries(_ requests: [SettledSource]) async -> [SettledSource] {
        var reopened: [SettledSource] = []
        // Notes the daemon removed itself (a job of the same stem succeeded): no one asked, for
        // any of the sources that share the note.
        let own = ownNoteRemovals.withLock { removals in
            let paths = Set(requests.map { ErrorReport.path(for: $0.path) }).intersection(removals)
            removals.subtract(paths)
            return paths
        }
        for request in requests where !own.contains(ErrorReport.path(for: request.path)) {
            var source = request
            source.isManualRetry = false
            // A prompt's job is its content's, a batch entry's its entry's: retried only if that is
            // what failed. An edit's content is its instruction and every image, hashed when the job runs.
            var hashes: Set<String>?
            let isBatch = BatchDocument.isBatch(source.path)
            if !EditBundle.isInstruction(source.path) {
                let path = source.path
                guard case .success(let bytes) = await FileSystem.offloaded({ FileSystem.readRegularFile(path, limit: PromptDocument.maximumFileSize) }) else {
                    continue
                }
                if isBatch {
                    hashes = Set((try? BatchDocument.read(Data(bytes), path: path))?.entries.map(\.contentHash) ?? [])
                } else {
                    hashes = [ContentHash.of(bytes)]
                }
            }
            do {
                let jobs = try await ledger.reopenFailedJobs(sourcePath: source.path, contentHashes: hashes, batch: isBatch, now: now())
                guard let job = jobs.first else {
                    logger.debug("Error note removed, but the source's latest job did not fail: nothing to retry", metadata: ["file.path": "\(source.path)"])
                    continue
                }
                logger.notice(
                    "Error note deleted, the failed job is tried once more",
                    metadata: ["file.path": "\(source.path)", "job.id": "\(job.id)", "job.count": "\(jobs.count)", "job.manual_retries": "\(job.manualRetries)"]
                )
                reopened.append(source)
            } catch {
                logger.error("Ledger write failed, the job of the deleted error note is not retried", metadata: ["file.path": "\(source.path)", "error": "\(error)"])
            }
        }
        return reopened
    }
}
