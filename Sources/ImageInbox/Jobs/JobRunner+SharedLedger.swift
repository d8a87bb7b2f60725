import Inotify
import Logging

extension JobRunner {
    /// Acts on what other hosts sharing the ledger did, until the ledger closes (at once for a
    /// ledger of one host).
    func followSharedLedger() async {
        for await event in ledger.events {
            switch event {
            case .queued(let jobs):
                // Each is claimed before it is sent: of the hosts that take it up, one runs it. A
                // file already waiting here keeps its place; one whose job runs here waits for it.
                let sources = jobs.compactMap { job in
                    FileSystem.identity(of: job.sourcePath).map { SettledSource(inbox: job.inbox, path: job.sourcePath, identity: $0) }
                }
                logger.debug("Jobs queued in the shared ledger are taken up", metadata: ["job.count": "\(sources.count)"])
                await queue.enqueue(contentsOf: sources)
            case .pause(let reason?):
                await adoptPause(reason: reason)
            case .pause(nil):
                guard await queue.pause != nil else { continue }
                logger.notice("Another host found the images API answering again, queue resumed")
                await queue.resume()
            }
        }
    }

    /// Pauses this host's queue for a pause another host published: that host probes the API;
    /// this one does only if no news comes for twice the probe interval.
    func adoptPause(reason: String) async {
        guard await queue.pause == nil else { return }
        setPauseCause(.otherHost)
        await queue.pause(reason: reason, until: .now + configuration.pauseProbeInterval * 2)
        logger.warning("Queue paused by another host sharing the ledger", metadata: ["pause.reason": "\(reason)"])
    }
}
