import Inotify
import Logging

/// What ``InboxWatcher``'s loop keeps between events: the inboxes and how each is watched, the
/// files waiting to settle, and those already handed on.
struct WatchState<C: Clock> where C.Duration == Duration {
    typealias Configuration = InboxWatcher<C>.Configuration

    private(set) var configuration: Configuration
    private(set) var eventSource: (any FileEventSource)?
    private var scanner: InboxScanner
    private var machine: SettleStateMachine<C.Instant>
    private var handedOn: [String: FileSystem.Identity] = [:]
    private var polled: [String] = []
    private var watchedInboxes: [String] = []
    private var lastPoll: C.Instant?
    private var lastRescan: C.Instant?
    private let logger: Logger
    private let makeEventSource: @Sendable (IgnoreRules) throws -> any FileEventSource

    init(configuration: Configuration, logger: Logger, makeEventSource: @escaping @Sendable (IgnoreRules) throws -> any FileEventSource) {
        self.configuration = configuration
        self.scanner = InboxScanner(ignoreRules: configuration.ignoreRules)
        self.machine = SettleStateMachine(configuration: configuration.settle)
        self.logger = logger
        self.makeEventSource = makeEventSource
    }

    /// Starts watching `inboxes` (inotify or polling, by file system) and scans them.
    ///
    /// - Parameter progress: Called every ``Configuration/progressFolders`` folders scanned, so
    ///   that a long startup scan can ask systemd for more time.
    mutating func watch(_ inboxes: [String], now: C.Instant, cleaning: Bool, progress: () -> Void = {}) throws {
        for inbox in inboxes {
            let (mode, reason) = configuration.mode.effectiveMode(for: inbox)
            if mode == .inotify {
                let source = try eventSource ?? makeEventSource(configuration.ignoreRules)
                eventSource = source
                for case .unwatched(let directory, let error) in source.watchTree(inbox) {
                    pollInstead(directory, error)
                }
            } else {
                polled.append(inbox)
            }
            watchedInboxes.append(inbox)
            logger.info("Watching inbox", metadata: ["inbox": "\(inbox)", "watch.mode": "\(mode)", "watch.reason": "\(reason)"])
        }
        var folders = 0
        let every = max(1, configuration.progressFolders)
        for inbox in inboxes {
            observe(below: inbox, now: now, cleaning: cleaning) {
                folders += 1
                if folders % every == 0 { progress() }
            }
        }
    }

    /// Applies a reloaded configuration.
    mutating func reconfigure(_ new: Configuration, now: C.Instant) throws {
        let removed = watchedInboxes.filter { !new.inboxes.contains($0) }
        let added = new.inboxes.filter { !watchedInboxes.contains($0) }
        configuration = new
        scanner = InboxScanner(ignoreRules: new.ignoreRules)
        machine.configuration = new.settle
        for inbox in removed {
            eventSource?.unwatchTree(inbox)
            polled.removeAll { $0 == inbox || $0.hasPrefix(inbox + "/") }
            machine.forget(below: inbox)
            handedOn = handedOn.filter { !$0.key.hasPrefix(inbox + "/") }
            watchedInboxes.removeAll { $0 == inbox }
            logger.info("Inbox no longer watched", metadata: ["inbox": "\(inbox)"])
        }
        try watch(added, now: now, cleaning: true)
    }

    mutating func handle(_ event: InotifyEvent, now: C.Instant) {
        switch event {
        case .overflow:
            logger.warning("inotify queue overflowed, rescanning every inbox")
            for inbox in watchedInboxes { observe(below: inbox, now: now) }
        case .unwatched(let directory, let error):
            pollInstead(directory, error)
        case .change(let path, let mask):
            if mask.contains(.isDirectory) || watchedInboxes.contains(path) {
                let ignored = configuration.ignoreRules.ignores(name: SourceName(path: path).fileName)
                if !mask.isDisjoint(with: [.create, .movedTo]) && !ignored { observe(below: path, now: now) }
                if !mask.isDisjoint(with: [.delete, .movedFrom, .deleteSelf]) {
                    machine.forget(below: path)
                    handedOn = handedOn.filter { !$0.key.hasPrefix(path + "/") }
                }
                return
            }
            guard scanner.isCandidate(path: path) else { return }
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
        }
    }

    /// Polls and rescans when their intervals have passed.
    mutating func tick(now: C.Instant) {
        if !polled.isEmpty && lastPoll.map({ now >= $0.advanced(by: configuration.pollInterval) }) ?? true {
            lastPoll = now
            for directory in polled { observe(below: directory, now: now) }
        }
        if let last = lastRescan, now < last.advanced(by: configuration.rescanInterval) { return }
        if lastRescan != nil {
            for inbox in watchedInboxes { observe(below: inbox, now: now) }
        }
        lastRescan = now
    }

    /// The files that have settled by `now` and were not handed on in this state before.
    mutating func settledPaths(now: C.Instant) -> [SettledSource] {
        var settled: [SettledSource] = []
        for path in machine.duePaths(now: now) {
            switch machine.decide(path: path, identity: FileSystem.identity(of: path), now: now) {
            case .settled(let identity) where handedOn[path] != identity:
                handedOn[path] = identity
                logger.debug("File settled", metadata: ["file.path": "\(path)", "file.size": "\(identity.size)"])
                // A settled image hands on its bundle's instruction; a bundle goes only when none of its files is arriving.
                let trigger = scanner.isTrigger(path: path) ? path : EditBundle.instruction(forPart: path)
                guard let trigger, let triggerIdentity = trigger == path ? identity : FileSystem.identity(of: trigger),
                    !machine.hasPending(matching: { Self.mayBelong($0, toBundleOf: trigger) }),
                    !settled.contains(where: { $0.path == trigger })
                else { continue }
                settled.append(SettledSource(inbox: inbox(of: trigger), path: trigger, identity: triggerIdentity))
            case .vanished:
                handedOn[path] = nil
            case .settled, .keepWaiting:
                continue
            }
        }
        return settled
    }

    /// Whether `path` may be a file of the bundle whose instruction is `trigger` (the trigger itself,
    /// an image beside a sidecar, anything in a bundle folder).
    private static func mayBelong(_ path: String, toBundleOf trigger: String) -> Bool {
        let name = SourceName(path: trigger)
        if name.fileExtension == "edit" {
            return path == trigger || path.hasPrefix(name.stem + ".")
        }
        guard EditBundle.isBundleFolder(name.directory) else { return path == trigger }
        return name.directory == SourceName(path: path).directory
    }

    private mutating func observe(below directory: String, now: C.Instant, cleaning: Bool = false, onFolder: () -> Void = {}) {
        for (path, identity) in scanner.triggers(below: directory, removingStaleTemporaryFiles: cleaning, onFolder: onFolder)
        where handedOn[path] != identity {
            machine.record(.scanned, path: path, identity: identity, now: now)
        }
    }

    private mutating func pollInstead(_ directory: String, _ error: InotifyError) {
        logger.warning("Folder not watched, polling it instead", metadata: ["file.path": "\(directory)", "error": "\(error)"])
        polled.append(directory)
    }

    private func inbox(of path: String) -> String {
        watchedInboxes.filter { path.hasPrefix($0 + "/") }.max(by: { $0.count < $1.count }) ?? watchedInboxes.first ?? ""
    }
}
