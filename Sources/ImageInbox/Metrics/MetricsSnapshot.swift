/// What the ledger, the runner and the watcher know at a scrape, for the gauges of
/// ``DaemonMetrics``: read when Prometheus asks, so that no job pays for keeping them current.
package struct MetricsSnapshot: Sendable, Equatable {
    /// A job's state as the queue gauges show it; the states are disjoint (a retrying job is
    /// not also counted as running).
    package enum QueueState: String, Sendable, CaseIterable {
        case queued
        case running
        case retrying
        case waitingForParts = "waiting_for_parts"
    }

    /// Jobs by state, per inbox.
    package var jobsByInbox: [String: [QueueState: Int]] = [:]
    /// Each inbox, and whether it is polled (else watched with inotify).
    package var watchModes: [String: Bool] = [:]
    /// Dollars spent today (local day).
    package var spentTodayUSD: Double = 0
    /// The daily budget, if one is set.
    package var budgetUSDPerDay: Double?
    /// Requests the configuration allows at once, and those given at once now.
    package var configuredConcurrency: Int = 0
    package var effectiveConcurrency: Int = 0
    /// Why the queue is paused, if it is.
    package var pause: PauseCause?

    package init() {}

    /// The queue gauges from the ledger's counts by state (`queued`, `running`, `waiting`, and
    /// `retrying`, the running jobs waiting to be tried again).
    package static func jobs(fromLedgerCounts counts: [String: Int]) -> [QueueState: Int] {
        let retrying = counts["retrying"] ?? 0
        return [
            .queued: counts["queued"] ?? 0,
            .running: max(0, (counts["running"] ?? 0) - retrying),
            .retrying: retrying,
            .waitingForParts: counts["waiting"] ?? 0,
        ]
    }
}
