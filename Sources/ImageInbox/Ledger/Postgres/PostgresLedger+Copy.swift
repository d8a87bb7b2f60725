import Foundation
import PostgresNIO

extension PostgresLedger {
    /// What copying a host's history into the shared ledger did.
    package struct CopyCount: Sendable, Equatable {
        /// Finished jobs written.
        package var copied = 0
        /// Finished jobs the shared ledger had already (same inbox, path and content).
        package var present = 0
        /// Jobs of files in no configured inbox: without an inbox name they have no shared key.
        package var outsideInboxes = 0

        package init(copied: Int = 0, present: Int = 0, outsideInboxes: Int = 0) {
            (self.copied, self.present, self.outsideInboxes) = (copied, present, outsideInboxes)
        }
    }

    /// Copies finished jobs (done or failed, with their content keys and cost) from a host's own
    /// ledger, so that no host sends them again; jobs not finished are left to the scans.
    package func copy(_ jobs: [JobRecord]) async throws -> CopyCount {
        var count = CopyCount()
        let finished = jobs.filter { $0.state.isFinished }
        count.outsideInboxes = finished.filter { inboxes.key(of: $0.sourcePath) == nil }.count
        let keyed = finished.filter { inboxes.key(of: $0.sourcePath) != nil }
        for start in stride(from: 0, to: keyed.count, by: 500) {
            let written = try await client.withTransaction(logger: logger) { connection in
                var written = 0
                for job in keyed[start..<min(start + 500, keyed.count)] {
                    var job = job
                    job.claimedBy = nil
                    if try await self.insert(job, on: connection) { written += 1 }
                }
                return written
            }
            count.copied += written
            count.present += min(500, keyed.count - start) - written
        }
        return count
    }
}
