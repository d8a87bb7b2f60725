import HeapModule

/// Decides when a file that is still arriving has become complete.
///
/// Network shares deliver files in pieces and show it differently: smbd closes once at the end,
/// a FUSE SMB client closes an empty file first, NFSv4 repeats a close, NFSv3 never closes, and
/// slow uploads pause for seconds. So a file is complete only when it has settled:
///
/// - after a rename into place (the atomic saver's "I am done"), or found by a scan untouched
///   for longer than the quiet window: at once;
/// - after a close-after-write: the settle window passes with no new activity and the same
///   inode, size and mtime at both ends;
/// - with only create/modify/attribute changes seen (or seen by a scan): the longer quiet window
///   passes with inode, size and mtime unchanged;
/// - an empty file is complete only when the quiet window says so.
///
/// A value type: the watcher feeds it what it sees with the time, asks it for due paths, stats
/// them and reports back; it returns what to do.
package struct SettleStateMachine<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// How long files must stay unchanged.
    package struct Configuration: Sendable, Equatable {
        /// After a close or rename: 0.5 s by default.
        package var settleWindow: Duration
        /// Without a close: 5 s by default, longer than upload pauses (2.4–3 s were measured).
        package var quietWindow: Duration

        package init(settleWindow: Duration = .milliseconds(500), quietWindow: Duration = .seconds(5)) {
            self.settleWindow = settleWindow
            self.quietWindow = quietWindow
        }
    }

    /// What was seen happen to a path.
    package enum Signal: Sendable, Equatable {
        /// `IN_CLOSE_WRITE`: a writer says it is done.
        case closed
        /// `IN_MOVED_TO`: renamed into place, the "I am done" of every atomic saver; complete at once.
        case renamed
        /// `IN_CREATE`, `IN_MODIFY`, `IN_ATTRIB`: someone is writing, even after a close.
        case modified
        /// A scan (startup, poll, rescan) found it; it restarts the wait only if it changed.
        case scanned
        /// A scan of a folder inotify watches found it untouched for longer than the quiet window
        /// (a backlog waiting at startup or after an overflow): complete at once.
        case scannedAtRest
        /// `IN_OPEN`: someone may be about to write.
        case opened
    }

    /// What to do with a path whose window has passed.
    package enum Decision: Sendable, Equatable {
        /// Complete: hand it on.
        case settled(FileSystem.Identity)
        /// It changed during the window: wait again.
        case keepWaiting
        /// It is gone (or became a folder): forget it.
        case vanished
    }

    private struct Pending: Sendable {
        var closed: Bool
        var immediate = false
        var lastActivity: Instant
        var identity: FileSystem.Identity?
        /// When the file was first seen arriving (kept while it goes on changing).
        var firstSeen: Instant? = nil
        /// Which entry of ``deadlines`` is current for this path (older ones are skipped).
        var generation: UInt64 = 0
    }

    /// A path's deadline, ordered by time; stale when its generation is not the path's current one.
    private struct Deadline: Comparable, Sendable {
        var instant: Instant
        var path: String
        var generation: UInt64

        static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.instant < rhs.instant }
        static func == (lhs: Deadline, rhs: Deadline) -> Bool { lhs.instant == rhs.instant && lhs.generation == rhs.generation }
    }

    /// The windows; a reload may change them (see ``reconfigure(_:)``).
    package private(set) var configuration: Configuration
    private var pending: [String: Pending] = [:]
    // Work per event and per settled file stays O(log n) with thousands of files waiting: the
    // deadlines are a heap, due paths are kept until decided, and pending paths are indexed by folder.
    private var deadlines = Heap<Deadline>()
    private var due: Set<String> = []
    private var pendingByDirectory: [String: Set<String>] = [:]
    private var nextGeneration: UInt64 = 0

    package init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// The number of paths waiting to settle.
    package var pendingCount: Int { pending.count }

    /// Applies new windows to the waits already running too.
    package mutating func reconfigure(_ configuration: Configuration) {
        self.configuration = configuration
        deadlines = Heap()
        due = []
        for path in pending.keys { schedule(path) }
    }

    /// Records an event for `path`, with its identity as it is now.
    package mutating func record(_ signal: Signal, path: String, identity: FileSystem.Identity?, now: Instant) {
        switch signal {
        case .opened:
            // Opening alone (a reader, or a writer about to start) only extends a wait already running.
            guard pending[path] != nil, pending[path]?.immediate == false else { return }
            pending[path]?.lastActivity = now
        case .closed:
            set(path, Pending(closed: true, lastActivity: now, identity: identity))
        case .renamed, .scannedAtRest:
            if signal == .scannedAtRest, let entry = pending[path], entry.identity == identity { return }
            set(path, Pending(closed: true, immediate: true, lastActivity: now, identity: identity))
        case .modified:
            // Inotify reports a write after a close in order, but the stat taken when the event
            // is handled may already include that write: the event, not the stat, decides.
            set(path, Pending(closed: false, lastActivity: now, identity: identity))
        case .scanned:
            if var entry = pending[path] {
                guard entry.identity != identity else { return }
                entry.lastActivity = now
                entry.identity = identity
                entry.closed = false
                entry.immediate = false
                set(path, entry)
            } else {
                set(path, Pending(closed: false, lastActivity: now, identity: identity))
            }
        }
        schedule(path)
    }

    /// Whether a path in `directory` whose file name satisfies `matching` is still waiting to settle.
    package func hasPending(inDirectory directory: String, matching: (String) -> Bool) -> Bool {
        pendingByDirectory[directory]?.contains(where: matching) ?? false
    }

    /// Stops tracking `path` (it was deleted or moved away).
    package mutating func forget(path: String) {
        remove(path)
    }

    /// Stops tracking everything at or below `directory`.
    package mutating func forget(below directory: String) {
        let prefix = directory + "/"
        for path in pending.keys where path.hasPrefix(prefix) || path == directory { remove(path) }
    }

    /// The paths whose window has passed at `now`, in path order; stat each and call
    /// ``decide(path:identity:now:)``. They stay due until decided.
    package mutating func duePaths(now: Instant) -> [String] {
        while let first = deadlines.min, first.instant <= now {
            _ = deadlines.popMin()
            if pending[first.path]?.generation == first.generation { due.insert(first.path) }
        }
        return due.sorted()
    }

    /// When the next path falls due (nil when none waits): the watcher sleeps until then.
    package mutating func nextDeadline() -> Instant? {
        if !due.isEmpty { return pending[due.first!]?.lastActivity }
        while let first = deadlines.min {
            if pending[first.path]?.generation == first.generation { return first.instant }
            _ = deadlines.popMin()
        }
        return nil
    }

    /// Decides about a due path given its identity now.
    package mutating func decide(path: String, identity: FileSystem.Identity?, now: Instant) -> Decision {
        guard let entry = pending[path] else { return .keepWaiting }
        // Links, pipes and devices settle too, so that the runner can say why it refuses them.
        guard let identity, !identity.isDirectory else {
            remove(path)
            return .vanished
        }
        if entry.identity == identity {
            remove(path)
            return .settled(identity)
        }
        set(path, Pending(closed: entry.closed, lastActivity: now, identity: identity))
        schedule(path)
        return .keepWaiting
    }

    /// When `path` was first seen arriving, while it is pending.
    package func firstSeen(_ path: String) -> Instant? {
        pending[path]?.firstSeen
    }

    private mutating func set(_ path: String, _ entry: Pending) {
        var entry = entry
        entry.firstSeen = pending[path]?.firstSeen ?? entry.firstSeen ?? entry.lastActivity
        if pending.updateValue(entry, forKey: path) == nil {
            pendingByDirectory[SourceName(path: path).directory, default: []].insert(SourceName(path: path).fileName)
        }
    }

    /// Pushes the path's current deadline; the ones pushed before it become stale.
    private mutating func schedule(_ path: String) {
        guard var entry = pending[path] else { return }
        nextGeneration += 1
        entry.generation = nextGeneration
        pending[path] = entry
        due.remove(path)
        deadlines.insert(Deadline(instant: entry.lastActivity.advanced(by: window(for: entry)), path: path, generation: nextGeneration))
        // Stale entries are skipped when they come up; rebuild now and then so the heap stays small.
        if deadlines.count > 4 * pending.count + 1024 { reconfigure(configuration) }
    }

    private mutating func remove(_ path: String) {
        guard pending.removeValue(forKey: path) != nil else { return }
        due.remove(path)
        let name = SourceName(path: path)
        pendingByDirectory[name.directory]?.remove(name.fileName)
        if pendingByDirectory[name.directory]?.isEmpty == true { pendingByDirectory[name.directory] = nil }
    }

    private func window(for entry: Pending) -> Duration {
        // An empty file is never complete before the quiet window: after a close it is the FUSE SMB
        // client's first, empty close, and an empty file renamed in (Foundation's createFile) is
        // about to be written.
        guard (entry.identity?.size ?? 0) > 0 else { return configuration.quietWindow }
        if entry.immediate { return .zero }
        return entry.closed ? configuration.settleWindow : configuration.quietWindow
    }
}
