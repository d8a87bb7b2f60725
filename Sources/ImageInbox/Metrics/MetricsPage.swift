package import Foundation

/// Makes the page one scrape of `GET /metrics` returns: the counters as they stand, and the
/// gauges set from what the ledger, the runner and the watcher know right now.
package struct MetricsPage: Sendable {
    private let metrics: DaemonMetrics
    private let ledger: any JobLedger
    private let runner: JobRunner
    private let inboxes: @Sendable () -> [String]
    private let budget: @Sendable () -> Double?
    private let watchModes: @Sendable () -> [String: Bool]
    private let inotifyWatchCount: @Sendable () -> Int
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - inboxes: The inboxes configured now (each gets its queue gauges, jobs or not).
    ///   - budget: The daily budget configured now.
    ///   - watchModes: Each watched inbox, and whether it is polled.
    ///   - inotifyWatchCount: The folders inotify watches.
    package init(
        metrics: DaemonMetrics,
        ledger: any JobLedger,
        runner: JobRunner,
        inboxes: @escaping @Sendable () -> [String],
        budget: @escaping @Sendable () -> Double?,
        watchModes: @escaping @Sendable () -> [String: Bool],
        inotifyWatchCount: @escaping @Sendable () -> Int,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.metrics = metrics
        self.ledger = ledger
        self.runner = runner
        self.inboxes = inboxes
        self.budget = budget
        self.watchModes = watchModes
        self.inotifyWatchCount = inotifyWatchCount
        self.now = now
    }

    /// The page in Prometheus's text format. A ledger that cannot be read leaves the queue and
    /// spend gauges as the last scrape set them; the counters are unaffected.
    package func render() async -> [UInt8] {
        var snapshot = MetricsSnapshot()
        metrics.declare(inboxes: inboxes())
        let ledgerFigures = try? await ledger.openJobs(today: now())
        if let ledgerFigures {
            // Every configured inbox shows its gauges, at 0 before its first job.
            for inbox in inboxes() + ledgerFigures.counts.keys {
                snapshot.jobsByInbox[inbox] = MetricsSnapshot.jobs(fromLedgerCounts: ledgerFigures.counts[inbox] ?? [:])
            }
        }
        let runnerState = await runner.snapshot()
        snapshot.spentTodayUSD = ledgerFigures?.spentToday ?? 0
        snapshot.budgetUSDPerDay = budget()
        snapshot.configuredConcurrency = runnerState.maximumConcurrency
        snapshot.effectiveConcurrency = runnerState.concurrency
        snapshot.pause = runnerState.pauseCause
        snapshot.watchModes = watchModes()
        metrics.watching(inotifyFolders: inotifyWatchCount())
        metrics.update(snapshot, ledgerRead: ledgerFigures != nil)
        return metrics.render()
    }
}
