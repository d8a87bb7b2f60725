import Inotify
import Logging

/// What ``InboxWatcher``'s loop keeps between events: the inboxes and how each is watched, the
/// folders still to scan, the files waiting to settle, and those already handed on.
///
/// It decides; the watcher acts. Folders are read one at a time off the cooperative pool
/// (``nextScanStep()``, then ``absorb(_:_:now:)``) so that a scan of a large share never holds
/// up events, reloads or shutdown, and ``nextDeadline()`` says when the loop must wake next.
struct WatchState<C: Clock> where C.Duration == Duration {
    typealias Configuration = InboxWatcher<C>.Configuration

    /// One folder to read.
    struct ScanStep: Sendable {
        var directory: String
        /// Whether to delete temp files a killed run left behind.
        var cleaning: Bool
        /// Whether the folder is a polled inbox or mount whose availability the step finds out
        /// (off the loop: a hung network mount must hang only the step).
        var probesAvailability = false
    }

    /// A scan that is under way, for its log line.
    private struct ScanRound {
        var kind: String
        var started: C.Instant
        var files = 0
        var folders = 0
    }

    private(set) var configuration: Configuration
    private(set) var eventSource: (any FileEventSource)?
    private(set) var scanner: InboxScanner
    /// Why inotify is not used any more, once it failed.
    private var inotifyFailure: String?
    /// The folders (inboxes, mounts inside them) that are away (a share unmounted or gone), since when.
    var away: [String: C.Instant] = [:]
    private var nextAvailabilityCheck: C.Instant?
    /// The inboxes the runner has heard are there (it delivers what was held for them then).
    private var announced: Set<String> = []
    private let availability: InboxAvailability
    private var machine: SettleStateMachine<C.Instant>
    private var handedOn: [String: FileSystem.Identity] = [:]
    /// Folders polled: inboxes on network file systems, mounts inside inboxes, folders inotify could not watch.
    var polled: [String] = []
    private(set) var watchedInboxes: [String] = []
    /// Mount points below the inotify-watched inboxes as last seen, and those of them polled.
    var mountsInside: Set<String> = []
    /// The polled mounts inside inboxes, by mount point.
    var polledMounts: [String: MountTable.Mount] = [:]
    /// How long each file handed on since the last ``takeSettleWaits()`` took from its first
    /// sighting, for the metrics.
    private var settleWaits: [Duration] = []
    /// Sources whose error note someone removed, to be handed on as manual retries.
    var retryRequests: [SettledSource] = []
    private var scanQueue: [ScanStep] = []
    private var round: ScanRound?
    private var startupScanned = false
    var nextPoll: C.Instant?
    private var nextRescan: C.Instant?
    let logger: Logger
    private let makeEventSource: @Sendable (IgnoreRules) throws -> any FileEventSource

    init(
        configuration: Configuration,
        logger: Logger,
        availability: InboxAvailability,
        makeEventSource: @escaping @Sendable (IgnoreRules) throws -> any FileEventSource
    ) {
        self.configuration = configuration
        self.availability = availability
        self.scanner = InboxScanner(ignoreRules: configuration.ignoreRules)
        self.machine = SettleStateMachine(configuration: configuration.settle)
        self.logger = logger
        self.makeEventSource = makeEventSource
    }

    /// What is wrong with how the inboxes are watched, for `STATUS=` (nil: nothing).
    var degradation: String? {
        var problems: [String] = []
        if let inotifyFailure { problems.append(inotifyFailure) }
        if !away.isEmpty {
            problems.append("\(away.count) folder\(away.count == 1 ? "" : "s") unavailable (\(away.keys.sorted().joined(separator: ", "))), jobs held")
        }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    /// Starts watching `inboxes` (inotify or polling, by file system) and queues their scan.
    mutating func watch(_ inboxes: [String], now: C.Instant, cleaning: Bool) throws {
        for inbox in inboxes {
            ConfinedRoots.confine(inbox)
            // A polled inbox is on a network mount, which may hang: its first scan registers it.
            if inotifyFailure == nil, configuration.mode.effectiveMode(for: inbox).mode == .inotify {
                availability.register(inbox)
                guard availability.isAvailable(inbox) else {
                    watchedInboxes.append(inbox)
                    markAway(inbox, now: now)
                    continue
                }
                announceFirstSight(of: inbox)
            }
            try startWatching(inbox, now: now)
            watchedInboxes.append(inbox)
        }
        nextRescan = nextRescan ?? now.advanced(by: configuration.rescanInterval)
        scan(inboxes.filter { away[$0] == nil }, kind: startupScanned ? "added inboxes" : "startup", cleaning: cleaning, now: now)
    }

    private mutating func startWatching(_ inbox: String, now: C.Instant) throws {
        let (mode, reason) = inotifyFailure == nil ? configuration.mode.effectiveMode(for: inbox) : (.poll, "inotify failed")
        if mode == .inotify {
            let source = try eventSource ?? makeEventSource(configuration.ignoreRules)
            eventSource = source
            for case .unwatched(let directory, let error) in source.watchTree(inbox) {
                pollInstead(directory, error, now: now)
            }
            noticeMounts(inside: inbox, table: MountTable.current(), now: now, scanning: false)
        } else if !polled.contains(inbox) {
            polled.append(inbox)
            nextPoll = nextPoll ?? now.advanced(by: configuration.pollInterval)
        }
        logger.info("Watching inbox", metadata: ["inbox": "\(inbox)", "watch.mode": "\(mode)", "watch.reason": "\(reason)"])
    }

    /// Applies a reloaded configuration.
    mutating func reconfigure(_ new: Configuration, now: C.Instant) throws {
        let removed = watchedInboxes.filter { !new.inboxes.contains($0) }
        let added = new.inboxes.filter { !watchedInboxes.contains($0) }
        configuration = new
        scanner = InboxScanner(ignoreRules: new.ignoreRules)
        machine.reconfigure(new.settle)
        for inbox in removed {
            eventSource?.unwatchTree(inbox)
            polled.removeAll { $0 == inbox || $0.hasPrefix(inbox + "/") }
            mountsInside = mountsInside.filter { !$0.hasPrefix(inbox + "/") }
            polledMounts = polledMounts.filter { !$0.key.hasPrefix(inbox + "/") }
            scanQueue.removeAll { $0.directory == inbox || $0.directory.hasPrefix(inbox + "/") }
            machine.forget(below: inbox)
            handedOn = handedOn.filter { !$0.key.hasPrefix(inbox + "/") }
            watchedInboxes.removeAll { $0 == inbox }
            away[inbox] = nil
            logger.info("Inbox no longer watched", metadata: ["inbox": "\(inbox)"])
        }
        try watch(added, now: now, cleaning: true)
    }

    mutating func handle(_ event: InotifyEvent, now: C.Instant) {
        switch event {
        case .overflow:
            logger.warning("inotify queue overflowed, rescanning every inbox")
            scan(watchedInboxes, kind: "overflow", cleaning: false, now: now)
        case .unwatched(let directory, let error):
            pollInstead(directory, error, now: now)
        case .failed(let error):
            fallBackToPolling(because: error, now: now)
        case .change(let path, let mask):
            // A root deleted or moved away, or any watched folder's file system unmounted: a share may be gone.
            if mask.contains(.unmount) || (!mask.isDisjoint(with: [.deleteSelf, .moveSelf]) && availabilityRoots.contains(path)) {
                checkAvailability(of: availabilityRoots, now: now)
                if isAway(path) { return }
            }
            if mask.contains(.isDirectory) || watchedInboxes.contains(path) {
                let ignored = configuration.ignoreRules.ignores(name: SourceName(path: path).fileName)
                if !mask.isDisjoint(with: [.create, .movedTo]) && !ignored {
                    scanQueue.append(ScanStep(directory: path, cleaning: false))
                }
                if !mask.isDisjoint(with: [.delete, .movedFrom, .deleteSelf]) {
                    machine.forget(below: path)
                    handedOn = handedOn.filter { !$0.key.hasPrefix(path + "/") }
                }
                return
            }
            guard scanner.isCandidate(path: path) else {
                if !mask.isDisjoint(with: [.delete, .movedFrom]) { noticeRemovedNote(path) }
                return
            }
            if !mask.isDisjoint(with: [.delete, .movedFrom]) {
                machine.forget(path: path)
                handedOn[path] = nil
            } else if mask.contains(.movedTo) {
                machine.record(.renamed, path: path, identity: FileSystem.identity(of: path), now: now)
            } else if mask.contains(.closeWrite) {
                machine.record(.closed, path: path, identity: FileSystem.identity(of: path), now: now)
            } else if !mask.isDisjoint(with: [.create, .modify, .attrib]) {
                machine.record(.modified, path: path, identity: FileSystem.identity(of: path), now: now)
            } else if mask.contains(.open) {
                machine.record(.opened, path: path, identity: nil, now: now)
            }
        }
    }

    /// Polls, rescans and availability checks whose time has come.
    mutating func tick(now: C.Instant) {
        if let check = nextAvailabilityCheck, now >= check {
            nextAvailabilityCheck = nil
            checkAvailability(of: availabilityRoots, now: now)
        }
        if let poll = nextPoll, now >= poll {
            // A poll still being read is not queued twice; the next one follows it.
            // A polled share that went away is noticed by its next poll, which probes it.
            if round == nil { scan(polled.filter { !isAway($0) || away[$0] != nil }, kind: "poll", cleaning: false, now: now) }
            nextPoll = polled.isEmpty ? nil : now.advanced(by: configuration.pollInterval)
        }
        if let rescan = nextRescan, now >= rescan {
            checkAvailability(of: availabilityRoots, now: now)
            if round == nil { scan(watchedInboxes.filter { away[$0] == nil }, kind: "rescan", cleaning: false, now: now) }
            nextRescan = now.advanced(by: configuration.rescanInterval)
        }
    }

    /// When the loop must wake next (a file falls due, a poll, the safety rescan).
    mutating func nextDeadline() -> C.Instant? {
        [machine.nextDeadline(), polled.isEmpty ? nil : nextPoll, nextRescan, nextAvailabilityCheck].compactMap { $0 }.min()
    }

    /// The next folder to read, if a scan is under way.
    mutating func nextScanStep() -> ScanStep? {
        guard var step = scanQueue.popLast() else { return nil }
        step.probesAvailability = isPolled(step.directory) && availabilityRoots.contains(step.directory)
        return step
    }

    /// Takes in what reading one folder found.
    ///
    /// In a folder inotify watches, a file nobody has touched for the quiet window is complete at
    /// once (a backlog starts immediately); one modified more recently waits for the quiet
    /// window, as a slow writer may be paused mid-file. Polled folders keep the two-scan rule.
    mutating func absorb(_ step: ScanStep, _ scan: InboxScanner.FolderScan, available: Bool? = nil, now: C.Instant) {
        guard watchedInboxes.contains(where: { step.directory == $0 || step.directory.hasPrefix($0 + "/") }) else { return }
        if let available { apply(availability: available, of: step.directory, now: now) }
        guard !isAway(step.directory) else {
            finishRound(now: now)
            return
        }
        // A local root that reads as empty may be a share that just went away (a polled one was probed).
        if available == nil, scan.files.isEmpty && scan.subfolders.isEmpty && availabilityRoots.contains(step.directory) {
            apply(availability: availability.isAvailable(step.directory), of: step.directory, now: now)
            if away[step.directory] != nil {
                finishRound(now: now)
                return
            }
        }
        scanQueue += scan.subfolders.map { ScanStep(directory: $0, cleaning: step.cleaning) }
        let trusted = !isPolled(step.directory)
        let restingBefore = restingBefore(wallClockNanoseconds: scan.wallClockNanoseconds)
        for (path, identity) in scan.files where handedOn[path] != identity {
            let atRest = trusted && identity.modificationNanoseconds < restingBefore
            machine.record(atRest ? .scannedAtRest : .scanned, path: path, identity: identity, now: now)
        }
        round?.files += scan.files.count
        finishRound(now: now)
    }

    /// Counts a folder read and, after the last one of a scan, logs the scan.
    private mutating func finishRound(now: C.Instant) {
        round?.folders += 1
        if scanQueue.isEmpty, let finished = round {
            round = nil
            let milliseconds = finished.started.duration(to: now).components
            let metadata: Logger.Metadata = [
                "scan.kind": "\(finished.kind)", "scan.files": "\(finished.files)", "scan.folders": "\(finished.folders)",
                "scan.duration_ms": "\(milliseconds.seconds * 1000 + milliseconds.attoseconds / 1_000_000_000_000_000)",
            ]
            if finished.kind == "startup" {
                startupScanned = true
                logger.info("Startup scan done", metadata: metadata)
            } else {
                logger.debug(finished.kind == "poll" ? "Inbox polled" : "Scan done", metadata: metadata)
            }
        }
    }

    /// The files that have settled by `now` and were not handed on in this state before.
    mutating func settledPaths(now: C.Instant) -> [SettledSource] {
        var settled: [SettledSource] = []
        var triggers: Set<String> = []
        for path in machine.duePaths(now: now) {
            let firstSeen = machine.firstSeen(path)
            switch machine.decide(path: path, identity: FileSystem.identity(of: path), now: now) {
            case .settled(let identity) where handedOn[path] != identity:
                handedOn[path] = identity
                logger.debug("File settled", metadata: ["file.path": "\(path)", "file.size": "\(identity.size)"])
                // A settled image hands on its bundle's instruction; a bundle goes only when none of its files is arriving.
                let trigger = scanner.isTrigger(path: path) ? path : EditBundle.instruction(forPart: path)
                guard let trigger, let triggerIdentity = trigger == path ? identity : FileSystem.identity(of: trigger),
                    !hasPendingPart(ofBundle: trigger), !followArrivingParts(ofBundle: trigger, now: now), triggers.insert(trigger).inserted
                else { continue }
                settled.append(SettledSource(inbox: inbox(of: trigger), path: trigger, identity: triggerIdentity))
                if let firstSeen { settleWaits.append(firstSeen.duration(to: now)) }
            case .vanished:
                handedOn[path] = nil
            case .settled, .keepWaiting:
                continue
            }
        }
        return settled
    }

    /// How long each file handed on since the last call waited from its first sighting.
    mutating func takeSettleWaits() -> [Duration] {
        defer { settleWaits = [] }
        return settleWaits
    }

    /// The modification time (nanoseconds since 1970) before which a file has been untouched for
    /// the quiet window, at the wall-clock time given.
    private func restingBefore(wallClockNanoseconds now: Int64) -> Int64 {
        let quiet = configuration.settle.quietWindow.components
        return now - quiet.seconds * 1_000_000_000 - quiet.attoseconds / 1_000_000_000
    }

    /// Starts following the parts of the bundle whose instruction is `trigger` that changed within
    /// the quiet window without being followed: an image whose upload began before its instruction
    /// existed was no bundle's part then, so its writes were not waited for. Returns whether any
    /// such part was found: the bundle then goes once that part has settled too.
    private mutating func followArrivingParts(ofBundle trigger: String, now: C.Instant) -> Bool {
        let name = SourceName(path: trigger)
        guard name.fileExtension == "edit" || EditBundle.isBundleFolder(name.directory),
            let entries = FileSystem.directoryEntries(name.directory)
        else { return false }
        let restingBefore = restingBefore(wallClockNanoseconds: FileSystem.wallClockNanoseconds())
        var arriving = false
        for entry in entries where entry != name.fileName && !ResultWriter.isTemporaryName(entry) {
            let path = name.directory + "/" + entry
            // Followed already: pending now, or settled as it is (it has had its wait).
            guard machine.firstSeen(path) == nil, EditBundle.instruction(forPart: path) == trigger,
                let identity = FileSystem.identity(of: path), handedOn[path] != identity, identity.modificationNanoseconds >= restingBefore
            else { continue }
            logger.debug("Part of a bundle still arriving, the bundle waits for it", metadata: ["file.path": "\(path)"])
            machine.record(.scanned, path: path, identity: identity, now: now)
            arriving = true
        }
        return arriving
    }

    /// Each watched inbox, and whether it is polled (else inotify watches it).
    var watchModes: [String: Bool] {
        Dictionary(watchedInboxes.map { inbox in (inbox, polled.contains(inbox)) }, uniquingKeysWith: { first, _ in first })
    }

    /// Whether a file of the bundle whose instruction is `trigger` is still arriving (the trigger
    /// itself, an image beside a sidecar, anything in a bundle folder); a prompt has no parts.
    private func hasPendingPart(ofBundle trigger: String) -> Bool {
        let name = SourceName(path: trigger)
        if name.fileExtension == "edit" {
            let prefix = SourceName(path: name.stem).fileName + "."
            return machine.hasPending(inDirectory: name.directory) { $0.hasPrefix(prefix) }
        }
        guard EditBundle.isBundleFolder(name.directory) else { return false }
        return machine.hasPending(inDirectory: name.directory) { _ in true }
    }

    mutating func scan(_ directories: [String], kind: String, cleaning: Bool, now: C.Instant) {
        guard !directories.isEmpty else { return }
        scanQueue += directories.map { ScanStep(directory: $0, cleaning: cleaning) }
        if round == nil { round = ScanRound(kind: kind, started: now) }
    }

    func isPolled(_ directory: String) -> Bool {
        polled.contains { directory == $0 || directory.hasPrefix($0 + "/") }
    }

    mutating func pollInstead(_ directory: String, _ error: InotifyError, now: C.Instant) {
        logger.warning("Folder not watched, polling it instead", metadata: ["file.path": "\(directory)", "error": "\(error)"])
        polled.append(directory)
        nextPoll = nextPoll ?? now.advanced(by: configuration.pollInterval)
    }

    /// The folders whose going away is noticed: the inboxes and the mounts inside them.
    private var availabilityRoots: [String] {
        watchedInboxes + watchedInboxes.flatMap { availability.mountPoints(in: $0) }
    }

    /// Notices which of `folders` went away or came back: local ones asked at once, polled
    /// ones (network mounts, which may hang) by a probing scan off the loop.
    mutating func checkAvailability(of folders: [String], now: C.Instant) {
        for folder in folders {
            if isPolled(folder) {
                if !scanQueue.contains(where: { $0.directory == folder }) { scan([folder], kind: "probe", cleaning: false, now: now) }
            } else {
                apply(availability: availability.isAvailable(folder), of: folder, now: now)
            }
        }
        nextAvailabilityCheck = away.isEmpty ? nil : (nextAvailabilityCheck ?? now.advanced(by: configuration.pollInterval))
    }

    private mutating func apply(availability available: Bool, of folder: String, now: C.Instant) {
        if available && away[folder] == nil { announceFirstSight(of: folder) }
        if away[folder] == nil, !available {
            markAway(folder, now: now)
        } else if let since = away[folder], available {
            markBack(folder, awayFor: since.duration(to: now), now: now)
        }
    }

    /// Forgets what was seen below a folder (an inbox, a mount inside one) that went away, so
    /// that everything is seen anew when it is back; its jobs are held by the runner meanwhile.
    private mutating func markAway(_ folder: String, now: C.Instant) {
        away[folder] = now
        eventSource?.unwatchTree(folder)
        scanQueue.removeAll { $0.directory == folder || $0.directory.hasPrefix(folder + "/") }
        machine.forget(below: folder)
        handedOn = handedOn.filter { !$0.key.hasPrefix(folder + "/") }
        nextAvailabilityCheck = nextAvailabilityCheck ?? now.advanced(by: configuration.pollInterval)
        logger.warning(
            "Folder unavailable (its share is unmounted or it is gone), its jobs are held until it is back",
            metadata: ["folder": "\(folder)", "watch.check_interval_s": "\(configuration.pollInterval.components.seconds)"]
        )
    }

    private mutating func markBack(_ folder: String, awayFor duration: Duration, now: C.Instant) {
        away[folder] = nil
        do {
            if watchedInboxes.contains(folder) {
                // It may be another device now (a remounted share): registered and watched as new;
                // a polled one was just probed off the loop.
                if !isPolled(folder) { availability.register(folder) }
                try startWatching(folder, now: now)
            } else if let source = eventSource, !isPolled(folder) {
                for case .unwatched(let directory, let error) in source.watchTree(folder) { pollInstead(directory, error, now: now) }
            }
        } catch {
            logger.error("Can't watch the folder that is back, polling it", metadata: ["folder": "\(folder)", "error": "\(error)"])
            if !polled.contains(folder) { polled.append(folder) }
            nextPoll = nextPoll ?? now.advanced(by: configuration.pollInterval)
        }
        logger.notice("Folder is back, rescanning it", metadata: ["folder": "\(folder)", "folder.away_s": "\(duration.components.seconds)"])
        scan([folder], kind: "return", cleaning: false, now: now)
        announced.insert(folder)
        availability.announceReturn(folder)
    }

    private mutating func announceFirstSight(of folder: String) {
        guard announced.insert(folder).inserted else { return }
        availability.announceReturn(folder)
    }

    /// Whether `directory` is in an inbox whose share is away.
    func isAway(_ directory: String) -> Bool {
        away.keys.contains { directory == $0 || directory.hasPrefix($0 + "/") }
    }

    /// The event source is dead: every inbox it served is polled from now on, and scanned at
    /// once, as events may have been lost before it died.
    private mutating func fallBackToPolling(because error: InotifyError, now: C.Instant) {
        guard eventSource != nil else { return }
        eventSource = nil
        let deaf = watchedInboxes.filter { !isPolled($0) && away[$0] == nil }
        polled += deaf
        nextPoll = nextPoll ?? now.advanced(by: configuration.pollInterval)
        inotifyFailure = "inotify failed, polling \(deaf.count) inbox\(deaf.count == 1 ? "" : "es") instead"
        logger.error(
            "inotify stopped delivering events, polling the inboxes instead until the next start",
            metadata: [
                "error": "\(error.message)", "inboxes": "\(deaf.joined(separator: ", "))",
                "watch.poll_interval_s": "\(configuration.pollInterval.components.seconds)",
            ]
        )
        scan(deaf, kind: "poll", cleaning: false, now: now)
    }

    /// The watched inbox `path` is in (the deepest, when inboxes nest).
    func inbox(of path: String) -> String {
        watchedInboxes.filter { path.hasPrefix($0 + "/") }.max(by: { $0.count < $1.count }) ?? watchedInboxes.first ?? ""
    }
}
