package import Foundation
package import Logging
import ServiceLifecycle
import Synchronization

/// Turns settled `.prompt` files into images: reads and checks each one, asks the images API
/// (never for content the ledger already finished), writes the results next to the source, and
/// reports failures in the folder.
///
/// Workers (``Configuration/concurrency`` of them) take jobs in turn across inboxes. Transient
/// API failures are retried with backoff; a refused key or exhausted credit pauses the whole
/// queue (no job fails for it) and one job probes every ``Configuration/pauseProbeInterval``;
/// reaching the daily budget pauses new jobs until midnight. On graceful shutdown intake stops,
/// jobs in flight finish, and the rest stay queued in the ledger for the next start.
package final class JobRunner: Service {
    /// How jobs are run.
    package struct Configuration: Sendable {
        /// What the provider accepts (and its default model).
        package var profile: ProviderProfile
        /// Parameters for every job, under folder defaults and front matter.
        package var defaults: ImageParameters
        /// Jobs in flight at once.
        package var concurrency: Int
        /// Redacted from anything written to the share.
        package var apiKey: APIKey?
        /// Whether results are offline placeholders (marked so in their metadata).
        package var placeholders: Bool
        /// When failed requests are tried again.
        package var retry: RetryPolicy
        /// How long a paused queue waits before one job probes whether the cause has passed.
        package var pauseProbeInterval: Duration
        /// New jobs wait once this many dollars were spent today (local time); nil for no limit.
        package var maximumUSDPerDay: Double?
        /// Prices for estimating a cost the provider does not report.
        package var prices: PriceTable
        /// How long an edit bundle waits for a missing part before that is reported.
        package var orphanTimeout: Duration

        package init(
            profile: ProviderProfile,
            defaults: ImageParameters = ImageParameters(),
            concurrency: Int = 4,
            apiKey: APIKey? = nil,
            placeholders: Bool = false,
            retry: RetryPolicy = RetryPolicy(),
            pauseProbeInterval: Duration = .seconds(300),
            maximumUSDPerDay: Double? = nil,
            prices: PriceTable = .standard,
            orphanTimeout: Duration = .seconds(600)
        ) {
            self.profile = profile
            self.defaults = defaults
            self.concurrency = max(1, concurrency)
            self.apiKey = apiKey
            self.placeholders = placeholders
            self.retry = retry
            self.pauseProbeInterval = pauseProbeInterval
            self.maximumUSDPerDay = maximumUSDPerDay
            self.prices = prices
            self.orphanTimeout = orphanTimeout
        }
    }

    /// How a job's turn ended.
    enum Outcome {
        /// Done, failed for good, cancelled, or nothing to do.
        case finished
        /// It could not run now (paused queue, budget); it waits again.
        case paused
        /// The daemon is stopping; it stays queued in the ledger.
        case interrupted
    }

    /// The most workers ever parked; how many may run at once is the queue's limit.
    static let maximumConcurrency = 64

    private let settings: Mutex<(configuration: Configuration, generator: any ImageGenerating)>
    let ledger: Ledger
    let logger: Logger
    let now: @Sendable () -> Date
    let queue = JobQueue()
    private let sources: AsyncStream<SettledSource>

    package init(
        configuration: Configuration,
        sources: AsyncStream<SettledSource>,
        generator: some ImageGenerating,
        ledger: Ledger,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.settings = Mutex((configuration, generator))
        self.sources = sources
        self.ledger = ledger
        self.logger = logger
        self.now = now
    }

    /// The current configuration (a reload may change it between jobs).
    var configuration: Configuration { settings.withLock { $0.configuration } }

    /// Where images come from (a reload may change the provider or key).
    var generator: any ImageGenerating { settings.withLock { $0.generator } }

    /// Applies a reloaded configuration: jobs already running finish with the old one, the next
    /// ones use the new one, and a paused queue is given another chance at once.
    package func reconfigure(_ configuration: Configuration, generator: some ImageGenerating) async {
        settings.withLock { $0 = (configuration, generator) }
        await queue.setLimit(configuration.concurrency)
        await resume()
    }

    /// Jobs waiting and running, and the pause reason if the queue is paused (for `STATUS=`).
    package func snapshot() async -> (waiting: Int, running: Int, paused: String?) {
        let counts = await queue.counts
        return (counts.waiting, counts.running, await queue.pause?.reason)
    }

    /// Lifts a pause at once (after a configuration reload, say).
    package func resume() async {
        await queue.resume()
        try? await ledger.setDaemonState("paused", nil, now: now())
    }

    package func run() async throws {
        let interrupted = try await ledger.requeueInterrupted(now: now())
        if interrupted > 0 {
            logger.notice("Jobs interrupted by the last stop were put back in the queue", metadata: ["job.count": "\(interrupted)"])
        }
        try? await ledger.setDaemonState("paused", nil, now: now())
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await source in self.sources.cancelOnGracefulShutdown() {
                    await self.accept(source)
                }
                await self.queue.close()
            }
            group.addTask {
                // Wakes waiting workers when a pause runs out, and re-checks edit bundles whose
                // parts have been missing for the orphan timeout, so that the folder hears of it.
                var ticks = 0
                while await !self.queue.isClosed {
                    try? await Task.sleep(for: .milliseconds(250))
                    await self.queue.tick()
                    ticks += 1
                    if ticks % 8 == 0 { await self.revisitOrphans() }
                }
            }
            await queue.setLimit(configuration.concurrency)
            // Parked workers cost nothing; the queue's limit decides how many run.
            for _ in 0..<Self.maximumConcurrency {
                group.addTask {
                    while let source = await self.queue.next() {
                        let outcome = await self.process(source)
                        if await self.queue.finish(source, paused: outcome == .paused) {
                            self.logger.notice("The images API accepts requests again, queue resumed")
                            try? await self.ledger.setDaemonState("paused", nil, now: self.now())
                        }
                    }
                }
            }
        }
    }

    private func revisitOrphans() async {
        let cutoff = now().addingTimeInterval(-Double(configuration.orphanTimeout.components.seconds))
        for job in (try? await ledger.waitingJobs(since: cutoff)) ?? [] {
            guard let identity = FileSystem.identity(of: job.sourcePath) else {
                try? await ledger.cancelWaitingJobs(sourcePath: job.sourcePath, now: now())
                continue
            }
            await queue.enqueue(SettledSource(inbox: job.inbox, path: job.sourcePath, identity: identity))
        }
    }

    /// Records a settled source as queued (unless its content is finished) and queues it.
    private func accept(_ source: SettledSource) async {
        // An edit's content is its instruction and every image: the job is recorded once all are read.
        if EditBundle.isInstruction(source.path) {
            await queue.enqueue(source)
            return
        }
        if case .success(let bytes) = FileSystem.readRegularFile(source.path, limit: PromptDocument.maximumFileSize) {
            let hash = ContentHash.of(bytes)
            do {
                let job = try await ledger.enqueue(sourcePath: source.path, inbox: source.inbox, contentHash: hash, kind: "generation", now: now())
                if job.state.isFinished {
                    logger.debug("Source already finished with this content, nothing to do", metadata: ["file.path": "\(source.path)"])
                    return
                }
            } catch {
                logger.error("Ledger write failed, the file waits for the next scan", metadata: ["file.path": "\(source.path)", "error": "\(error)"])
                return
            }
        }
        // Unreadable sources are queued too: their job reports why in the folder.
        await queue.enqueue(source)
    }

    /// Pauses the queue and publishes why.
    func pauseQueue(reason: String, for duration: Duration) async {
        await queue.pause(reason: reason, until: .now + duration)
        try? await ledger.setDaemonState("paused", reason, now: now())
        logger.warning("Queue paused", metadata: ["pause.reason": "\(reason)", "pause.probe_in_s": "\(duration.components.seconds)"])
    }
}
