import Inotify
package import Logging
import ServiceLifecycle

/// Watches the inboxes and hands on every trigger file once it has settled.
///
/// inotify where it sees every write, polling where it cannot (network and FUSE file systems,
/// subtrees past the watch limit), a startup scan, a full rescan on queue overflow and a periodic
/// safety rescan. Completeness is decided by ``SettleStateMachine``; a file handed on is not
/// handed on again until its inode, size or mtime changes (whether its content changed is the
/// ledger's question).
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

    private enum Input: Sendable {
        case inotify(InotifyEvent)
        case tick
    }

    /// The files that have settled, in the order they did.
    package let settledSources: AsyncStream<SettledSource>
    private let output: AsyncStream<SettledSource>.Continuation
    private let configuration: Configuration
    private let clock: C
    private let logger: Logger
    private let onReady: @Sendable () -> Void
    private let makeEventSource: @Sendable (IgnoreRules) throws -> any FileEventSource

    /// - Parameters:
    ///   - eventSource: Makes the event source for inboxes watched with inotify (given the
    ///     ignore rules, so it does not descend into ignored folders); a real ``InotifyWatcher``
    ///     unless a test passes a fake.
    ///   - onReady: Called once every inbox is watched and scanned (systemd's `READY=1`).
    package init(
        configuration: Configuration,
        clock: C,
        logger: Logger,
        eventSource: @escaping @Sendable (IgnoreRules) throws -> any FileEventSource = { rules in
            try InotifyWatcher(shouldDescend: { !rules.ignores(name: $0) })
        },
        onReady: @escaping @Sendable () -> Void = {}
    ) {
        (settledSources, output) = AsyncStream.makeStream(of: SettledSource.self)
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.makeEventSource = eventSource
        self.onReady = onReady
    }

    package func run() async throws {
        defer { output.finish() }
        let scanner = InboxScanner(ignoreRules: configuration.ignoreRules)
        var machine = SettleStateMachine<C.Instant>(configuration: configuration.settle)
        var handedOn: [String: FileSystem.Identity] = [:]
        var polled: [String] = []
        var inotify: (any FileEventSource)?

        for inbox in configuration.inboxes {
            let (mode, reason) = configuration.mode.effectiveMode(for: inbox)
            if mode == .inotify {
                let source = try inotify ?? makeEventSource(configuration.ignoreRules)
                inotify = source
                for case .unwatched(let directory, let error) in source.watchTree(inbox) {
                    logger.warning("Folder not watched, polling it instead", metadata: ["file.path": "\(directory)", "error": "\(error)"])
                    polled.append(directory)
                }
            } else {
                polled.append(inbox)
            }
            logger.info("Watching inbox", metadata: ["inbox": "\(inbox)", "watch.mode": "\(mode)", "watch.reason": "\(reason)"])
        }

        func inboxOf(_ path: String) -> String {
            configuration.inboxes.filter { path.hasPrefix($0 + "/") }.max(by: { $0.count < $1.count }) ?? configuration.inboxes[0]
        }
        func observe(below directory: String, cleaning: Bool = false) {
            let now = clock.now
            for (path, identity) in scanner.triggers(below: directory, removingStaleTemporaryFiles: cleaning)
            where handedOn[path] != identity {
                machine.record(.scanned, path: path, identity: identity, now: now)
            }
        }

        for inbox in configuration.inboxes { observe(below: inbox, cleaning: true) }
        onReady()

        let (inputs, feed) = AsyncStream.makeStream(of: Input.self)
        try await withThrowingDiscardingTaskGroup { group in
            if let inotify {
                group.addTask {
                    for await event in inotify.events() { feed.yield(.inotify(event)) }
                }
            }
            group.addTask { [clock] in
                // Cancelled when the watcher stops; that ends the ticks, it is not a failure.
                while (try? await clock.sleep(for: .milliseconds(100))) != nil {
                    feed.yield(.tick)
                }
            }
            var lastPoll = clock.now
            var lastRescan = clock.now
            for await input in inputs.cancelOnGracefulShutdown() {
                let now = clock.now
                switch input {
                case .inotify(.overflow):
                    logger.warning("inotify queue overflowed, rescanning every inbox")
                    for inbox in configuration.inboxes { observe(below: inbox) }
                case .inotify(.unwatched(let directory, let error)):
                    logger.warning("Folder not watched, polling it instead", metadata: ["file.path": "\(directory)", "error": "\(error)"])
                    polled.append(directory)
                case .inotify(.change(let path, let mask)):
                    if mask.contains(.isDirectory) || path == inboxOf(path) {
                        let ignored = configuration.ignoreRules.ignores(name: SourceName(path: path).fileName)
                        if !mask.isDisjoint(with: [.create, .movedTo]) && !ignored { observe(below: path) }
                        if !mask.isDisjoint(with: [.delete, .movedFrom, .deleteSelf]) {
                            machine.forget(below: path)
                            handedOn = handedOn.filter { !$0.key.hasPrefix(path + "/") }
                        }
                        continue
                    }
                    guard scanner.isTrigger(path: path) else { continue }
                    if !mask.isDisjoint(with: [.delete, .movedFrom]) {
                        machine.forget(path: path)
                        handedOn[path] = nil
                    } else if !mask.isDisjoint(with: [.closeWrite, .movedTo]) {
                        machine.record(.closed, path: path, identity: FileSystem.identity(of: path), now: now)
                    } else if !mask.isDisjoint(with: [.create, .modify, .attrib]) {
                        machine.record(.modified, path: path, identity: FileSystem.identity(of: path), now: now)
                    } else if mask.contains(.open) {
                        machine.record(.opened, path: path, identity: nil, now: now)
                    }
                case .tick:
                    if !polled.isEmpty && now >= lastPoll.advanced(by: configuration.pollInterval) {
                        lastPoll = now
                        for directory in polled { observe(below: directory) }
                    }
                    if now >= lastRescan.advanced(by: configuration.rescanInterval) {
                        lastRescan = now
                        for inbox in configuration.inboxes { observe(below: inbox) }
                    }
                }
                for path in machine.duePaths(now: now) {
                    switch machine.decide(path: path, identity: FileSystem.identity(of: path), now: now) {
                    case .settled(let identity) where handedOn[path] != identity:
                        handedOn[path] = identity
                        logger.debug("File settled", metadata: ["file.path": "\(path)", "file.size": "\(identity.size)"])
                        output.yield(SettledSource(inbox: inboxOf(path), path: path, identity: identity))
                    case .vanished:
                        handedOn[path] = nil
                    case .settled, .keepWaiting:
                        continue
                    }
                }
            }
            feed.finish()
            group.cancelAll()
        }
    }
}
