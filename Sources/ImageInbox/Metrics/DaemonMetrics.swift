import Prometheus
import Synchronization

/// The daemon's Prometheus metrics: counted where things happen (a job's end, a request, a
/// ledger write, a file settling) and, for what the ledger and the runner already know (jobs
/// by state, today's spend, a pause), set from a ``MetricsSnapshot`` when they are scraped.
///
/// Every metric is registered with its help text on one registry (`promtool check metrics`
/// wants `# HELP`), named by Prometheus's conventions: the `image_inbox_` prefix, base units,
/// `_total` counters. Labels have bounded values: inbox, provider, model, endpoint, outcome,
/// status class, pause cause; never a file's path.
///
/// Counting looks its metric up in the registry (a lock and a hash of the label set) and adds
/// to it atomically: a few microseconds a job, nothing measurable beside the job itself.
package final class DaemonMetrics: Sendable {
    /// Request durations, from a fast provider's second to the API's five-minute timeout.
    static let requestBuckets: [Double] = [1, 2.5, 5, 10, 20, 30, 45, 60, 90, 120, 180, 240, 300]
    /// Drop → job: a renamed-in file settles in milliseconds, a slow upload in minutes.
    static let settleBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]
    /// Ledger commits: a shared sync is a millisecond on a good disk, more on a busy one.
    static let ledgerBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

    /// The registry `GET /metrics` renders.
    let registry = PrometheusCollectorRegistry()
    private let ledgerWrites: ValueHistogram
    private let settling: ValueHistogram
    private let inotifyWatches: Gauge
    private let spentToday: Gauge
    private let budget: Gauge
    private let configuredConcurrency: Gauge
    private let effectiveConcurrency: Gauge
    /// The inboxes whose gauges the last scrape set: those of an inbox a reload removed go away.
    private let inboxesShown = Mutex<Set<String>>([])
    /// The models whose shutdown date is exported: those no longer in use go away.
    private let modelsShown = Mutex<Set<String>>([])

    package init(version: String = ImageInboxVersion.current) {
        registry.makeGauge(descriptor: Self.describe("build_info", "", "The running version (always 1)."), labels: [("version", version)])
            .set(to: 1.0)
        ledgerWrites = registry.makeValueHistogram(
            descriptor: Self.describe("ledger_write_duration", "seconds", "Time from a ledger write's request to its commit (synced when it must be)."),
            buckets: Self.ledgerBuckets
        )
        settling = registry.makeValueHistogram(
            descriptor: Self.describe("settle", "seconds", "Time from a file's first sighting to its hand-over as a job."),
            buckets: Self.settleBuckets
        )
        inotifyWatches = registry.makeGauge(descriptor: Self.describe("inotify_watches", "", "Folders watched with inotify."))
        spentToday = registry.makeGauge(descriptor: Self.describe("spent_today", "usd", "Dollars spent today (local day), as the ledger has them."))
        budget = registry.makeGauge(descriptor: Self.describe("budget", "usd_per_day", "The daily budget (max_usd_per_day); 0 when none is set."))
        configuredConcurrency = registry.makeGauge(descriptor: Self.describe("concurrency_configured", "", "Requests the configuration allows at once."))
        effectiveConcurrency = registry.makeGauge(
            descriptor: Self.describe("concurrency_effective", "", "Requests given at once now (below the configured number while the API rate-limits).")
        )
        for cause in PauseCause.allCases { pauseGauge(cause).set(to: 0.0) }
    }

    /// Makes the counters of `inboxes` exist at 0, so that `increase()` counts their first job too
    /// (Prometheus cannot tell how a series that appears with a value got there).
    package func declare(inboxes: [String]) {
        for inbox in inboxes {
            for outcome in JobOutcome.allCases {
                _ = registry.makeCounter(descriptor: Self.jobs, labels: [("inbox", inbox), ("outcome", outcome.rawValue)])
            }
            _ = registry.makeCounter(descriptor: Self.spentTotal, labels: [("inbox", inbox)])
        }
    }

    /// A job ended: done, failed for good, or cancelled.
    package func jobEnded(inbox: String, outcome: JobOutcome) {
        registry.makeCounter(descriptor: Self.jobs, labels: [("inbox", inbox), ("outcome", outcome.rawValue)]).increment()
    }

    /// Dollars the ledger counted for a job of `inbox` (a result, a failure that was billed, an
    /// answer that could not be used).
    package func spent(usd: Double, inbox: String) {
        guard usd > 0 else { return }
        registry.makeCounter(descriptor: Self.spentTotal, labels: [("inbox", inbox)]).increment(by: usd)
    }

    /// The `model` label for `model`: the provider's default or a model the price table knows,
    /// else `other` (front matter on the share names the model, and a label must not take any
    /// value someone types).
    package static func modelLabel(_ model: String, providerDefault: String) -> String {
        let bare = model.split(separator: "/").last.map(String.init) ?? model
        return model == providerDefault || PriceTable.standard.isPriced(bare) ? model : "other"
    }

    /// One request to the images API ended, answered with `status` or (nil) with no answer.
    package func requestEnded(provider: String, model: String, endpoint: String, status: Int?, seconds: Double, uploadedBytes: Int) {
        let statusClass = status.map { "\($0 / 100)xx" } ?? "error"
        registry.makeCounter(
            descriptor: Self.requests,
            labels: [("provider", provider), ("model", model), ("endpoint", endpoint), ("status_class", statusClass)]
        ).increment()
        registry.makeValueHistogram(descriptor: Self.requestDuration, labels: [("provider", provider), ("endpoint", endpoint)], buckets: Self.requestBuckets)
            .record(seconds)
        registry.makeCounter(descriptor: Self.uploaded, labels: [("provider", provider), ("endpoint", endpoint)]).increment(by: Int64(uploadedBytes))
    }

    /// A ledger write took `seconds` from its request to its commit.
    package func ledgerWrite(seconds: Double) {
        ledgerWrites.record(seconds)
    }

    /// A file was handed on as a job `seconds` after it was first seen.
    package func settled(seconds: Double) {
        settling.record(seconds)
    }

    /// Folders watched with inotify now.
    package func watching(inotifyFolders: Int) {
        inotifyWatches.set(to: Double(inotifyFolders))
    }

    /// Sets the shutdown date of each model in use that has one (model id → Unix seconds of
    /// the date's UTC midnight); a model left out is no longer exported.
    package func modelShutdowns(_ timestamps: [String: Double]) {
        let gone = modelsShown.withLock { shown in
            defer { shown = Set(timestamps.keys) }
            return shown.subtracting(timestamps.keys)
        }
        for model in gone {
            registry.unregisterGauge(registry.makeGauge(descriptor: Self.modelShutdown, labels: [("model", model)]))
        }
        for (model, seconds) in timestamps {
            registry.makeGauge(descriptor: Self.modelShutdown, labels: [("model", model)]).set(to: seconds)
        }
    }

    /// Sets the gauges of what the ledger and the runner know, as of a scrape.
    ///
    /// - Parameter ledgerRead: false when the ledger could not be read: its gauges (jobs by
    ///   state, today's spend) keep the values of the last scrape.
    package func update(_ snapshot: MetricsSnapshot, ledgerRead: Bool = true) {
        let shown = Set(snapshot.jobsByInbox.keys).union(snapshot.watchModes.keys)
        let gone = inboxesShown.withLock { previous in
            defer { previous = ledgerRead ? shown : previous.union(shown) }
            return ledgerRead ? previous.subtracting(shown) : []
        }
        for inbox in gone {
            for state in MetricsSnapshot.QueueState.allCases {
                registry.unregisterGauge(registry.makeGauge(descriptor: Self.queueJobs, labels: [("inbox", inbox), ("state", state.rawValue)]))
            }
            for mode in ["inotify", "poll"] {
                registry.unregisterGauge(registry.makeGauge(descriptor: Self.watched, labels: [("inbox", inbox), ("mode", mode)]))
            }
        }
        for (inbox, counts) in snapshot.jobsByInbox {
            for state in MetricsSnapshot.QueueState.allCases {
                registry.makeGauge(descriptor: Self.queueJobs, labels: [("inbox", inbox), ("state", state.rawValue)]).set(to: Double(counts[state] ?? 0))
            }
        }
        for (inbox, polled) in snapshot.watchModes {
            registry.makeGauge(descriptor: Self.watched, labels: [("inbox", inbox), ("mode", "inotify")]).set(to: polled ? 0 : 1)
            registry.makeGauge(descriptor: Self.watched, labels: [("inbox", inbox), ("mode", "poll")]).set(to: polled ? 1 : 0)
        }
        if ledgerRead { spentToday.set(to: snapshot.spentTodayUSD) }
        budget.set(to: snapshot.budgetUSDPerDay ?? 0)
        configuredConcurrency.set(to: Double(snapshot.configuredConcurrency))
        effectiveConcurrency.set(to: Double(snapshot.effectiveConcurrency))
        for cause in PauseCause.allCases { pauseGauge(cause).set(to: snapshot.pause == cause ? 1 : 0) }
    }

    /// The metrics in Prometheus's text format.
    package func render() -> [UInt8] {
        registry.emitToBuffer()
    }

    private func pauseGauge(_ cause: PauseCause) -> Gauge {
        registry.makeGauge(descriptor: Self.paused, labels: [("reason", cause.rawValue)])
    }

    private static func describe(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "image_inbox", metricName: name, unitName: unit, helpText: help)
    }

    private static var jobs: MetricNameDescriptor { describe("jobs", "total", "Jobs that ended, by inbox and outcome (done, failed, cancelled).") }
    private static var spentTotal: MetricNameDescriptor { describe("spent_usd", "total", "Dollars spent on the images API, by inbox.") }
    private static var requests: MetricNameDescriptor { describe("api_requests", "total", "Requests to the images API, by endpoint and HTTP status class (error: no answer).") }
    private static var requestDuration: MetricNameDescriptor { describe("api_request_duration", "seconds", "Time from sending a request to the images API to its whole answer.") }
    private static var uploaded: MetricNameDescriptor { describe("api_uploaded_bytes", "total", "Request body bytes sent to the images API.") }
    private static var queueJobs: MetricNameDescriptor { describe(
        "queue_jobs", "", "Jobs by inbox and state: queued, running, retrying (running jobs waiting to be tried again), waiting_for_parts."
    ) }
    private static var paused: MetricNameDescriptor { describe("queue_paused", "", "1 while the queue is paused, labelled by why (auth, billing, budget, rate_limit, ledger, held_results).") }
    private static var modelShutdown: MetricNameDescriptor { describe(
        "model_shutdown_timestamp", "seconds", "When the provider shuts down a model in use (UTC midnight of its shutdown date), by model."
    ) }
    private static var watched: MetricNameDescriptor { describe("watched_folders", "", "Each inbox with how it is watched: 1 for its mode (inotify or poll).") }
}

/// How a job ended, as ``DaemonMetrics`` counts it.
package enum JobOutcome: String, Sendable, CaseIterable {
    case done
    case failed
    case cancelled
}
