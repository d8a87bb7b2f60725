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
        /// Dollars per credit, for costs reported only in credits.
        package var creditUSD: Double?
        /// How long an edit bundle waits for a missing part before that is reported.
        package var orphanTimeout: Duration
        /// The mode and group of results and notes (`output.mode`, `output.group`).
        package var output: OutputOwnership
        /// The most entries a batch file may hold; past it, the file gets a note and nothing is sent.
        package var maximumBatchEntries: Int
        /// What is known of models that shut down: a job for one already shut down fails with a
        /// note naming its replacement, before anything is paid.
        package var retiringModels: RetiringModels?
        /// How long an image an edit lists under `images:` must be unchanged before it is sent
        /// (the watcher's quiet window): one written moments ago may still be arriving.
        package var partsQuietWindow: Duration

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
            creditUSD: Double? = nil,
            orphanTimeout: Duration = .seconds(600),
            output: OutputOwnership = .inherited,
            maximumBatchEntries: Int = 500,
            partsQuietWindow: Duration = .seconds(5)
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
            self.creditUSD = creditUSD ?? profile.defaultCreditUSD
            self.orphanTimeout = orphanTimeout
            self.output = output
            self.maximumBatchEntries = max(1, maximumBatchEntries)
            self.partsQuietWindow = partsQuietWindow
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
    let ledger: any JobLedger
    let logger: Logger
    let now: @Sendable () -> Date
    let queue: JobQueue
    /// Whether each inbox's folder is there (the watcher keeps it current).
    let availability: InboxAvailability
    /// Where finished images wait while their folder is away; nil: such a job fails.
    let heldResults: HeldResults?
    /// The folders' `image-inbox.yaml` defaults, read again only when a file changed.
    let folderDefaults = FolderDefaultsCache()
    /// Batch files' error notes, written one at a time per file.
    let batchNotes = NoteRefreshes()
    /// The error notes the daemon removed itself, until the watcher reports their removal.
    let ownNoteRemovals = Mutex<Set<String>>([])
    /// Sources to take again at a time: an edit whose listed image was written moments ago, a
    /// file whose folder's budget is spent today.
    let revisits = Mutex<[(at: ContinuousClock.Instant, source: SettledSource)]>([])
    let revisitAlarm = DeadlineAlarm(clock: ContinuousClock())
    /// The folders told today that their budget is spent.
    let budgetNotedFolders = Mutex<Set<String>>([])
    /// The estimated costs of the requests in flight, held against the budgets until their real
    /// cost is in the ledger, and the files waiting for one of them to end.
    let spendReservations = Mutex(SpendReservations())
    /// The models the catalogue does not know that the journal has named (once each).
    let unknownModelsNoted = Mutex<Set<String>>([])
    /// Running jobs that failed for now and wait to be tried again.
    let retrying = Mutex(0)
    /// Every request passes it: as many at once as the API takes, none while it asked to wait.
    let gate: RequestGate
    /// Why the queue was last paused, for metrics (the queue itself keeps the reason in full).
    private let pauseCause = Mutex<PauseCause?>(nil)
    /// The gate's limit last acted on.
    private let previousConcurrency = Mutex(Int.max)
    /// Tells `STATUS=` that something changed.
    let onChange: @Sendable () -> Void
    private let orphanAlarm = DeadlineAlarm(clock: ContinuousClock())
    private let sources: AsyncStream<[SettledSource]>

    /// - Parameters:
    ///   - availability: Whether each inbox's folder is there: jobs of an inbox that is away are
    ///     held, not cancelled, and its returns deliver the results held for it.
    ///   - heldResults: Where finished images wait while their folder is away.
    ///   - onChange: Called whenever the queue moves or a job ends (for `STATUS=`).
    package init(
        configuration: Configuration,
        sources: AsyncStream<[SettledSource]>,
        generator: some ImageGenerating,
        ledger: any JobLedger,
        logger: Logger,
        availability: InboxAvailability = InboxAvailability(),
        heldResults: HeldResults? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        onChange: @escaping @Sendable () -> Void = {}
    ) {
        self.settings = Mutex((configuration, generator))
        self.sources = sources
        self.ledger = ledger
        self.logger = logger
        self.now = now
        self.queue = JobQueue(onChange: onChange)
        self.gate = RequestGate(maximum: configuration.concurrency)
        self.onChange = onChange
        self.availability = availability
        self.heldResults = heldResults
    }

    /// How results and notes are owned, with a refusal to set the mode or group logged on `logger`.
    func output(_ logger: Logger) -> OutputOwnership {
        var ownership = configuration.output
        guard ownership.mode != nil || ownership.group != nil else { return ownership }
        ownership.refused = { path, code in
            logger.warning(
                "Can't give a result or note the configured mode or group, it keeps the default",
                metadata: ["output.path": "\(path)", "error": "\(FileSystem.describe(code))"]
            )
        }
        return ownership
    }

    /// The current configuration (a reload may change it between jobs).
    var configuration: Configuration { settings.withLock { $0.configuration } }

    /// Where images come from (a reload may change the provider or key).
    var generator: any ImageGenerating { settings.withLock { $0.generator } }

    /// Applies a reloaded configuration: jobs already running finish with the old one, the next
    /// ones use the new one, and a paused queue is given another chance at once.
    package func reconfigure(_ configuration: Configuration, generator: some ImageGenerating) async {
        settings.withLock { $0 = (configuration, generator) }
        await gate.setMaximum(configuration.concurrency)
        await queue.setLimit(configuration.concurrency)
        await resume()
    }

    /// What `STATUS=` shows of the runner.
    package struct Snapshot: Sendable {
        /// Sources waiting for a worker.
        package var waiting: Int
        /// Jobs running, and of those, waiting to be tried again.
        package var running: Int
        package var retrying: Int
        /// Requests the API is given at once now, and the configured most.
        package var concurrency: Int
        package var maximumConcurrency: Int
        /// Why the queue is paused, if it is, in full and in a word.
        package var paused: String?
        package var pauseCause: PauseCause?
    }

    /// What `STATUS=` shows of the runner.
    package func snapshot() async -> Snapshot {
        let counts = await queue.counts
        let limits = await gate.limits
        let paused = await queue.pause?.reason
        return Snapshot(
            waiting: counts.waiting, running: counts.running, retrying: retrying.withLock { $0 },
            concurrency: limits.limit, maximumConcurrency: limits.maximum, paused: paused,
            pauseCause: paused == nil ? nil : pauseCause.withLock { $0 }
        )
    }

    /// Lifts a pause at once (after a configuration reload, say).
    package func resume() async {
        await queue.resume()
        await publishPause(nil)
    }

    package func run() async throws {
        let interrupted = try await ledger.requeueInterrupted(now: now())
        if interrupted > 0 {
            logger.notice("Jobs interrupted by the last stop were put back in the queue", metadata: ["job.count": "\(interrupted)"])
        }
        // A shared ledger's pause is every host's: a host starting meanwhile joins it, and
        // leaves lifting it to a probe (its own start proves nothing about the API).
        if !ledger.isShared {
            await publishPause(nil)
        } else if let reason = try? await ledger.daemonState()["paused"] {
            await adoptPause(reason: reason)
        }
        await publishConcurrency(nil)
        if configuration.defaults.preview == true && !configuration.profile.streamsPartialImages {
            logger.notice("preview is set, but this provider does not stream partial images: no previews are written", metadata: ["provider": "\(configuration.profile.kind.rawValue)"])
        }
        await queue.setLimit(configuration.concurrency)
        await gate.observe { limit, maximum in Task { await self.concurrencyChanged(to: limit, of: maximum) } }
        await scheduleOrphanCheck()
        // Held results are delivered as the watcher finds each inbox there (at start, too):
        // before that, a bare mount point cannot be told from a share that is back.
        await withTaskGroup(of: Void.self) { timers in
            timers.addTask {
                for await folder in self.availability.returns { await self.deliverHeldResults(for: folder) }
            }
            // Nothing ticks: the queue's alarm fires when a pause runs out, the orphan alarm when the
            // bundle that has waited longest for a part reaches the orphan timeout, the revisit
            // alarm when a source set aside (for its folder's budget, a part still arriving) is due.
            timers.addTask { await self.queue.pauseAlarm.run { await self.queue.pauseRanOut() } }
            timers.addTask { await self.orphanAlarm.run { await self.revisitOrphans() } }
            timers.addTask { await self.revisitAlarm.run { await self.revisitsDue() } }
            timers.addTask { await self.followSharedLedger() }
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await batch in self.sources.cancelOnGracefulShutdown() {
                        // A backlog settles as one batch: taken in pieces, its first jobs start
                        // while the rest is still being read, hashed and recorded.
                        // On shutdown the rest is left: the files stay, and the next start's scan finds them.
                        for start in stride(from: 0, to: batch.count, by: Self.acceptedAtOnce) {
                            guard !Task.isShuttingDownGracefully else { break }
                            await self.accept(Array(batch[start..<min(start + Self.acceptedAtOnce, batch.count)]))
                        }
                    }
                    // The watcher, stopped first, ends the sources; the runner keeps its queue
                    // until its own turn to stop, as the service group expects.
                    try? await gracefulShutdown()
                    await self.queue.close()
                }
                // Parked workers cost nothing; the queue's limit decides how many run.
                for _ in 0..<Self.maximumConcurrency {
                    group.addTask {
                        while let source = await self.queue.next() {
                            let requests = RequestCount()
                            let outcome = await RequestCount.$current.withValue(requests) { await self.process(source) }
                            if await self.queue.finish(source, paused: outcome == .paused, askedTheAPI: requests.value > 0) {
                                self.logger.notice("The images API accepts requests again, queue resumed")
                                await self.publishPause(nil)
                            }
                        }
                    }
                }
            }
            timers.cancelAll()
        }
    }

    /// Whether the runner still takes work: its queue answers (for the systemd watchdog).
    package func isResponsive() async -> Bool {
        await !queue.isClosed
    }

    /// Re-checks edit bundles whose parts have been missing for the orphan timeout, so that the
    /// folder hears of it.
    private func revisitOrphans() async {
        let cutoff = now().addingTimeInterval(-Double(configuration.orphanTimeout.components.seconds))
        do {
            for job in try await ledger.waitingJobs(since: cutoff) {
                guard let identity = FileSystem.identity(of: job.sourcePath) else {
                    try await ledger.cancelWaitingJobs(sourcePath: job.sourcePath, now: now())
                    continue
                }
                await queue.enqueue(SettledSource(inbox: job.inbox, path: job.sourcePath, identity: identity))
            }
        } catch {
            logger.error("Ledger lookup of waiting bundles failed, will look again in a minute", metadata: ["error": "\(error)"])
            orphanAlarm.wake(at: .now + .seconds(60))
            return
        }
        await scheduleOrphanCheck(notBefore: .now + .seconds(1))
    }

    /// Sets the orphan alarm for the bundle that has waited longest.
    func scheduleOrphanCheck(notBefore earliest: ContinuousClock.Instant = .now) async {
        do {
            guard let began = try await ledger.earliestWait() else {
                orphanAlarm.wake(at: nil)
                return
            }
            let dueIn = began.addingTimeInterval(Double(configuration.orphanTimeout.components.seconds)).timeIntervalSince(now())
            orphanAlarm.wake(at: max(earliest, .now + .milliseconds(Int64(max(0, dueIn) * 1000))))
        } catch {
            logger.error("Ledger lookup of waiting bundles failed, will look again in a minute", metadata: ["error": "\(error)"])
            orphanAlarm.wake(at: .now + .seconds(60))
        }
    }

    /// The largest source kept in memory between intake and its job; larger ones are read again.
    static let keptContentSize = 16 * 1024

    /// How many settled sources are read, hashed and recorded in one go: enough that a backlog
    /// costs few ledger transactions, few enough that its first request goes out at once.
    static let acceptedAtOnce = 256

    /// Reads and hashes settled sources, records them as queued in one ledger transaction (unless
    /// their content is finished), and queues them with what was read.
    private func accept(_ batch: [SettledSource]) async {
        var batch = batch
        if batch.contains(where: \.isManualRetry) {
            batch = batch.filter { !$0.isManualRetry } + (await reopenManualRetries(batch.filter(\.isManualRetry)))
        }
        // An edit's content is its instruction and every image, a batch file's each entry: their
        // jobs are recorded when they run.
        let later = { (source: SettledSource) in EditBundle.isInstruction(source.path) || BatchDocument.isBatch(source.path) }
        let (edits, prompts) = (batch.filter(later), batch.filter { !later($0) })
        let read = await FileSystem.offloaded {
            prompts.map { source -> SettledSource in
                guard case .success(let bytes) = FileSystem.readRegularFile(source.path, limit: PromptDocument.maximumFileSize) else {
                    return source
                }
                var source = source
                source.content = .init(bytes: bytes.count <= Self.keptContentSize ? bytes : nil, hash: ContentHash.of(bytes))
                // The folder its results must go into, taken while the file is read anyway.
                source.folder = FileSystem.identity(of: SourceName(path: source.path).directory)
                return source
            }
        }
        // Unreadable sources are queued too: their job reports why in the folder.
        var queued = edits + read.filter { $0.content == nil }
        let readable = read.filter { $0.content != nil }
        let arrivals = readable.map {
            JobArrival(sourcePath: $0.path, inbox: $0.inbox, contentHash: $0.content?.hash ?? "", kind: "generation")
        }
        do {
            let jobs = try await ledger.enqueue(arrivals, now: now())
            queued += zip(readable, jobs).filter { !$0.1.state.isFinished }.map(\.0)
            if jobs.count > queued.count {
                logger.debug("Sources already finished with this content, nothing to do", metadata: ["job.count": "\(jobs.count - queued.count)"])
            }
        } catch {
            // Their jobs are still recorded when they start; only `status` misses them while they wait.
            logger.error("Ledger write failed, sources queued without a ledger record", metadata: ["job.count": "\(readable.count)", "error": "\(error)"])
            queued += readable
        }
        await queue.enqueue(contentsOf: queued)
    }

    /// Records why the queue is paused, for metrics.
    func setPauseCause(_ cause: PauseCause) {
        pauseCause.withLock { $0 = cause }
    }

    /// Pauses the queue and publishes why.
    func pauseQueue(reason: String, cause: PauseCause, for duration: Duration) async {
        pauseCause.withLock { $0 = cause }
        await queue.pause(reason: reason, until: .now + duration)
        await publishPause(reason)
        logger.warning("Queue paused", metadata: ["pause.reason": "\(reason)", "pause.probe_in_s": "\(duration.components.seconds)"])
    }

    /// The API's rate limit moved the number of requests given at once.
    private func concurrencyChanged(to limit: Int, of maximum: Int) async {
        let current = await gate.limits
        // Changes arrive on their own tasks: only the latest is acted on.
        // The queue keeps its configured limit: the gate holds the requests, and a job that
        // waits long to be tried again must not keep every other one from starting.
        guard current.limit == limit, current.maximum == maximum else { return }
        // Each 429 halves the requests at once and each success widens them a little: the
        // decreases are news, the slow climb back is not.
        let lowered = limit < previousConcurrency.withLock { $0 }
        previousConcurrency.withLock { $0 = limit }
        logger.log(
            level: lowered ? .notice : .info,
            limit < maximum ? "The images API is rate limiting: \(limit) of \(maximum) requests at once" : "Back to \(maximum) requests at once",
            metadata: ["concurrency.effective": "\(limit)", "concurrency.configured": "\(maximum)"]
        )
        await publishConcurrency(limit < maximum ? "\(limit) of \(maximum)" : nil)
        onChange()
    }

    private func publishConcurrency(_ value: String?) async {
        do {
            try await ledger.setDaemonState("concurrency", value, now: now())
        } catch {
            logger.error("Ledger write failed, image-inbox status may show an old concurrency", metadata: ["error": "\(error)"])
        }
    }

    /// Records in the ledger why the queue is paused (nil: it is not), for `image-inbox status`.
    private func publishPause(_ reason: String?) async {
        do {
            try await ledger.setDaemonState("paused", reason, now: now())
        } catch {
            logger.error("Ledger write failed, image-inbox status may show an old pause state", metadata: ["error": "\(error)"])
        }
    }
}
