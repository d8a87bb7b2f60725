import Inotify
package import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Watches the inboxes and hands on every trigger file once it has settled.
///
/// inotify where it sees every write, polling where it cannot (network and FUSE file systems,
/// subtrees past the watch limit), a startup scan, a full rescan on queue overflow and a periodic
/// safety rescan. Completeness is decided by ``SettleStateMachine``; a file handed on is not
/// handed on again until its inode, size or mtime changes (whether its content changed is the
/// ledger's question). ``reconfigure(_:)`` adds and removes inboxes while it runs. Between
/// events it sleeps until the next deadline ``WatchState`` returns: an idle watcher never wakes.
///
/// The settled files come out of ``settledSources``, which finishes when the watcher stops.
package final class InboxWatcher<C: Clock>: Service where C.Duration == Duration {
    /// How inboxes are watched.
    package struct Configuration: Sendable {
        /// The inbox folders (absolute paths).
        package var inboxes: [String]
        /// inotify, polling, or automatic by file system.
        package var mode: WatchMode
        /// The settle and quiet windows.
        package var settle: SettleStateMachine<C.Instant>.Configuration
        /// How often polled inboxes are scanned.
        package var pollInterval: Duration
        /// How often every inbox is rescanned as a safety net.
        package var rescanInterval: Duration
        /// Names never looked at.
        package var ignoreRules: IgnoreRules

        package init(
            inboxes: [String],
            mode: WatchMode = .auto,
            settle: SettleStateMachine<C.Instant>.Configuration = .init(),
            pollInterval: Duration = .seconds(5),
            rescanInterval: Duration = .seconds(300),
            ignoreRules: IgnoreRules = IgnoreRules()
        ) {
            self.inboxes = inboxes
            self.mode = mode
            self.settle = settle
            self.pollInterval = pollInterval
            self.rescanInterval = rescanInterval
            self.ignoreRules = ignoreRules
        }
    }

    enum Input: Sendable {
        case inotify([InotifyEvent])
        case deadline
        case scanned(WatchState<C>.ScanStep, InboxScanner.FolderScan, available: Bool?)
        case reconfigure(Configuration)
        case ping(UInt64)
        case sightedAway(String)
        case mountsChanged
    }

    /// The files that have settled, in the order they did; the files that settled at one moment
    /// (a backlog found by a scan, a burst of renames) come as one batch.
    package let settledSources: AsyncStream<[SettledSource]>
    private let output: AsyncStream<[SettledSource]>.Continuation
    private let inputs: AsyncStream<Input>
    private let feed: AsyncStream<Input>.Continuation
    private let initialConfiguration: Configuration
    private let clock: C
    private let logger: Logger
    private let onReady: @Sendable () -> Void
    private let onChange: @Sendable () -> Void
    private let currentDegradation = Mutex<String?>(nil)
    private let makeEventSource: @Sendable (IgnoreRules) throws -> any FileEventSource
    private let mountChanges: @Sendable () -> AsyncStream<Void>?
    private let availability: InboxAvailability
    private let pings = Mutex<(sent: UInt64, answered: UInt64)>((0, 0))
    private let metrics: DaemonMetrics?
    /// What the metrics show of the watch: each inbox's mode, and the inotify source.
    private let watchFacts = Mutex<(modes: [String: Bool], mounts: [MountTable.Mount], source: (any FileEventSource)?)>(([:], [], nil))

    /// - Parameters:
    ///   - eventSource: Makes the event source for inboxes watched with inotify (given the
    ///     ignore rules, so it does not descend into ignored folders); a real ``InotifyWatcher``
    ///     unless a test passes a fake.
    ///   - onReady: Called once every inbox is watched (systemd's `READY=1`); the startup scan
    ///     goes on after it, and files it finds are handed on as it goes.
    ///   - availability: Where the watcher records whether each inbox's folder is there, for the
    ///     runner.
    ///   - onChange: Called when ``degradation`` or ``polledMounts`` changes.
    ///   - mountChanges: Tells when a file system is mounted or unmounted (a mount appearing
    ///     inside an inbox is polled or watched anew); nil: mounts are looked at only at start.
    ///   - metrics: Where the time from a file's first sighting to its job is counted.
    package init(
        configuration: Configuration,
        clock: C,
        logger: Logger,
        eventSource: @escaping @Sendable (IgnoreRules) throws -> any FileEventSource = { rules in
            try InotifyWatcher(shouldDescend: { !rules.ignores(name: $0) }, shouldReport: { !ResultWriter.isTemporaryName($0) })
        },
        availability: InboxAvailability = InboxAvailability(),
        mountChanges: @escaping @Sendable () -> AsyncStream<Void>? = { (try? MountTableWatcher())?.changes() },
        metrics: DaemonMetrics? = nil,
        onReady: @escaping @Sendable () -> Void = {},
        onChange: @escaping @Sendable () -> Void = {}
    ) {
        self.metrics = metrics
        (settledSources, output) = AsyncStream.makeStream(of: [SettledSource].self)
        (inputs, feed) = AsyncStream.makeStream(of: Input.self)
        self.initialConfiguration = configuration
        self.clock = clock
        self.logger = logger
        self.makeEventSource = eventSource
        self.mountChanges = mountChanges
        self.onReady = onReady
        self.onChange = onChange
        self.availability = availability
    }

    /// What is wrong with how the inboxes are watched (inotify died and they are polled, an
    /// inbox's share is away), for `STATUS=`; nil while all is well.
    package var degradation: String? {
        currentDegradation.withLock { $0 }
    }

    /// Each watched inbox, and whether it is polled (else inotify watches it).
    package var watchModes: [String: Bool] {
        watchFacts.withLock { $0.modes }
    }

    /// The mounts inside inboxes that are polled (network or FUSE file systems), for `STATUS=`
    /// and `status`.
    package var polledMounts: [MountTable.Mount] {
        watchFacts.withLock { $0.mounts }
    }

    /// How many folders inotify watches now.
    package var inotifyWatchCount: Int {
        watchFacts.withLock { $0.source }?.watchedDirectoryCount ?? 0
    }

    /// Applies a reloaded configuration: new inboxes are watched and scanned, removed ones
    /// forgotten, and new windows and ignore rules apply from now on.
    package func reconfigure(_ configuration: Configuration) {
        feed.yield(.reconfigure(configuration))
    }

    /// A liveness check for the systemd watchdog: whether the loop answered the previous check,
    /// then a new one sent through the loop. Call it once per half watchdog interval; the first
    /// call answers true.
    package func answeredLastPing() -> Bool {
        let (answered, next) = pings.withLock { pings -> (Bool, UInt64) in
            let answered = pings.answered == pings.sent
            pings.sent += 1
            return (answered, pings.sent)
        }
        feed.yield(.ping(next))
        return answered
    }

    package func run() async throws {
        defer { output.finish() }
        var state = WatchState(configuration: initialConfiguration, logger: logger, availability: availability, makeEventSource: makeEventSource)
        try state.watch(initialConfiguration.inboxes, now: clock.now, cleaning: true)
        onReady()
        let alarm = DeadlineAlarm(clock: clock)

        try await withThrowingDiscardingTaskGroup { group in
            // The event source exists from the start, or from the reload that adds the first inotify inbox.
            func forward(_ source: any FileEventSource) {
                watchFacts.withLock { $0.source = source }
                group.addTask { [feed] in
                    var failed = false
                    for await batch in source.eventBatches() {
                        if batch.contains(where: { if case .failed = $0 { true } else { false } }) { failed = true }
                        feed.yield(.inotify(batch))
                    }
                    // Only a failed read ends the events early (at shutdown this task is cancelled);
                    // a source that ends without saying why is dead all the same.
                    if !failed && !Task.isCancelled {
                        feed.yield(.inotify([.failed(InotifyError(code: .readFailed, message: "The inotify event stream ended.", errno: 0))]))
                    }
                }
            }
            // One folder is read at a time, on NIO's blocking thread pool, never on the cooperative pool.
            var scanning = false
            func scanNext() {
                guard !scanning, let step = state.nextScanStep() else { return }
                scanning = true
                let scanner = state.scanner
                group.addTask { [feed, availability] in
                    let result = try? await NIOThreadPool.singleton.runIfActive { () -> (InboxScanner.FolderScan, Bool?) in
                        let available = step.probesAvailability ? availability.probe(step.directory) : nil
                        guard available != false else { return (InboxScanner.FolderScan(), false) }
                        return (scanner.scanFolder(step.directory, removingStaleTemporaryFiles: step.cleaning), available)
                    }
                    feed.yield(.scanned(step, result?.0 ?? InboxScanner.FolderScan(), available: result?.1))
                }
            }
            if let source = state.eventSource { forward(source) }
            group.addTask { [feed, availability] in
                for await folder in availability.sightings { feed.yield(.sightedAway(folder)) }
            }
            if let changes = mountChanges() {
                group.addTask { [feed] in
                    for await _ in changes { feed.yield(.mountsChanged) }
                }
            }
            group.addTask { [feed] in
                await alarm.run { feed.yield(.deadline) }
            }
            scanNext()
            alarm.wake(at: state.nextDeadline())
            watchFacts.withLock { ($0.modes, $0.mounts) = (state.watchModes, state.pollingMounts) }
            for await input in inputs.cancelOnGracefulShutdown() {
                let now = clock.now
                switch input {
                case .inotify(let batch):
                    for event in batch { state.handle(event, now: now) }
                case .deadline:
                    state.tick(now: now)
                case .scanned(let step, let scan, let available):
                    scanning = false
                    state.absorb(step, scan, available: available, now: now)
                case .sightedAway(let folder):
                    state.checkAvailability(of: [folder], now: now)
                case .mountsChanged:
                    state.mountsChanged(now: now)
                case .ping(let number):
                    pings.withLock { $0.answered = max($0.answered, number) }
                case .reconfigure(let configuration):
                    let hadSource = state.eventSource != nil
                    do {
                        try state.reconfigure(configuration, now: now)
                    } catch {
                        logger.error("Can't watch the new inboxes", metadata: ["error": "\(error)"])
                    }
                    if !hadSource, let source = state.eventSource { forward(source) }
                }
                // Files are decided only when the alarm fires, even when one is due at once: the
                // alarm's input queues behind the events already delivered, so a write right
                // after a rename is seen before the rename is taken as "done".
                if case .deadline = input {
                    let settled = state.settledPaths(now: now)
                    if !settled.isEmpty { output.yield(settled) }
                    for wait in state.takeSettleWaits() { metrics?.settled(seconds: wait.seconds) }
                }
                let retries = state.takeRetryRequests()
                if !retries.isEmpty { output.yield(retries) }
                // The modes change with the inboxes, a scan's probe, and when inotify fails (a degradation).
                var modesMayHaveChanged = false
                if state.degradation != currentDegradation.withLock({ $0 }) {
                    currentDegradation.withLock { $0 = state.degradation }
                    onChange()
                    modesMayHaveChanged = true
                }
                switch input {
                case .reconfigure, .scanned, .mountsChanged: modesMayHaveChanged = true
                default: break
                }
                if modesMayHaveChanged {
                    let mounts = state.pollingMounts
                    let mountsChanged = watchFacts.withLock { facts in
                        defer { (facts.modes, facts.mounts) = (state.watchModes, mounts) }
                        return facts.mounts != mounts
                    }
                    if mountsChanged { onChange() }
                }
                scanNext()
                alarm.wake(at: state.nextDeadline())
            }
            feed.finish()
            group.cancelAll()
        }
    }
}
