import Inotify
package import Logging
import ServiceLifecycle
import Synchronization

/// Watches the inboxes and hands on every trigger file once it has settled.
///
/// inotify where it sees every write, polling where it cannot (network and FUSE file systems,
/// subtrees past the watch limit), a startup scan, a full rescan on queue overflow and a periodic
/// safety rescan. Completeness is decided by ``SettleStateMachine``; a file handed on is not
/// handed on again until its inode, size or mtime changes (whether its content changed is the
/// ledger's question). ``reconfigure(_:)`` adds and removes inboxes while it runs.
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
        /// How many folders the startup scan walks between two progress reports.
        package var progressFolders: Int

        package init(
            inboxes: [String],
            mode: WatchMode = .auto,
            settle: SettleStateMachine<C.Instant>.Configuration = .init(),
            pollInterval: Duration = .seconds(5),
            rescanInterval: Duration = .seconds(300),
            ignoreRules: IgnoreRules = IgnoreRules(),
            progressFolders: Int = 500
        ) {
            self.inboxes = inboxes
            self.mode = mode
            self.settle = settle
            self.pollInterval = pollInterval
            self.rescanInterval = rescanInterval
            self.ignoreRules = ignoreRules
            self.progressFolders = progressFolders
        }
    }

    enum Input: Sendable {
        case inotify(InotifyEvent)
        case tick
        case reconfigure(Configuration)
    }

    /// The files that have settled, in the order they did.
    package let settledSources: AsyncStream<SettledSource>
    private let output: AsyncStream<SettledSource>.Continuation
    private let inputs: AsyncStream<Input>
    private let feed: AsyncStream<Input>.Continuation
    private let initialConfiguration: Configuration
    private let clock: C
    private let logger: Logger
    private let onReady: @Sendable () -> Void
    private let onStartupProgress: @Sendable () -> Void
    private let makeEventSource: @Sendable (IgnoreRules) throws -> any FileEventSource
    private let lastTick: Mutex<C.Instant?> = Mutex(nil)

    /// - Parameters:
    ///   - eventSource: Makes the event source for inboxes watched with inotify (given the
    ///     ignore rules, so it does not descend into ignored folders); a real ``InotifyWatcher``
    ///     unless a test passes a fake.
    ///   - onStartupProgress: Called while the startup scan walks a large tree (systemd's
    ///     `EXTEND_TIMEOUT_USEC`).
    ///   - onReady: Called once every inbox is watched and scanned (systemd's `READY=1`).
    package init(
        configuration: Configuration,
        clock: C,
        logger: Logger,
        eventSource: @escaping @Sendable (IgnoreRules) throws -> any FileEventSource = { rules in
            try InotifyWatcher(shouldDescend: { !rules.ignores(name: $0) })
        },
        onStartupProgress: @escaping @Sendable () -> Void = {},
        onReady: @escaping @Sendable () -> Void = {}
    ) {
        (settledSources, output) = AsyncStream.makeStream(of: SettledSource.self)
        (inputs, feed) = AsyncStream.makeStream(of: Input.self)
        self.initialConfiguration = configuration
        self.clock = clock
        self.logger = logger
        self.makeEventSource = eventSource
        self.onStartupProgress = onStartupProgress
        self.onReady = onReady
    }

    /// Applies a reloaded configuration: new inboxes are watched and scanned, removed ones
    /// forgotten, and new windows and ignore rules apply from now on.
    package func reconfigure(_ configuration: Configuration) {
        feed.yield(.reconfigure(configuration))
    }

    /// Whether the watcher's loop has turned within `interval` (for the systemd watchdog).
    package func isAlive(within interval: Duration) -> Bool {
        guard let last = lastTick.withLock({ $0 }) else { return false }
        return last.duration(to: clock.now) <= interval
    }

    package func run() async throws {
        defer { output.finish() }
        var state = WatchState(configuration: initialConfiguration, logger: logger, makeEventSource: makeEventSource)
        try state.watch(initialConfiguration.inboxes, now: clock.now, cleaning: true, progress: onStartupProgress)
        lastTick.withLock { $0 = clock.now }
        onReady()

        try await withThrowingDiscardingTaskGroup { group in
            // The event source exists from the start, or from the reload that adds the first inotify inbox.
            func forward(_ source: any FileEventSource) {
                group.addTask { [feed] in
                    for await event in source.events() { feed.yield(.inotify(event)) }
                }
            }
            if let source = state.eventSource { forward(source) }
            group.addTask { [clock, feed] in
                // Cancelled when the watcher stops; that ends the ticks, it is not a failure.
                while (try? await clock.sleep(for: .milliseconds(100))) != nil {
                    feed.yield(.tick)
                }
            }
            for await input in inputs.cancelOnGracefulShutdown() {
                let now = clock.now
                switch input {
                case .inotify(let event):
                    state.handle(event, now: now)
                case .tick:
                    lastTick.withLock { $0 = now }
                    state.tick(now: now)
                case .reconfigure(let configuration):
                    let hadSource = state.eventSource != nil
                    do {
                        try state.reconfigure(configuration, now: now)
                    } catch {
                        logger.error("Can't watch the new inboxes", metadata: ["error": "\(error)"])
                    }
                    if !hadSource, let source = state.eventSource { forward(source) }
                }
                for settled in state.settledPaths(now: now) {
                    output.yield(settled)
                }
            }
            feed.finish()
            group.cancelAll()
        }
    }
}
