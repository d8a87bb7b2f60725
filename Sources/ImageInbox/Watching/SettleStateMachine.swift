/// Decides when a file that is still arriving has become complete.
///
/// Network shares deliver files in pieces and show it differently: smbd closes once at the end,
/// a FUSE SMB client closes an empty file first, NFSv4 repeats a close, NFSv3 never closes, and
/// slow uploads pause for seconds. So a file is complete only when it has settled:
///
/// - after a close-after-write or a rename into place: the settle window passes with no new
///   activity and the same inode, size and mtime at both ends;
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
        /// `IN_CLOSE_WRITE` or `IN_MOVED_TO`: a writer says it is done.
        case closed
        /// `IN_CREATE`, `IN_MODIFY`, `IN_ATTRIB`: someone is writing, even after a close.
        case modified
        /// A scan (startup, poll, rescan) found it; it restarts the wait only if it changed.
        case scanned
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
        var lastActivity: Instant
        var identity: FileSystem.Identity?
    }

    /// The windows; a reload may change them, and waits already running use the new ones.
    package var configuration: Configuration
    private var pending: [String: Pending] = [:]

    package init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// The number of paths waiting to settle.
    package var pendingCount: Int { pending.count }

    /// Records an event for `path`, with its identity as it is now.
    package mutating func record(_ signal: Signal, path: String, identity: FileSystem.Identity?, now: Instant) {
        switch signal {
        case .opened:
            // Opening alone (a reader, or a writer about to start) only extends a wait already running.
            pending[path]?.lastActivity = now
        case .closed:
            pending[path] = Pending(closed: true, lastActivity: now, identity: identity)
        case .modified:
            // Inotify reports a write after a close in order, but the stat taken when the event
            // is handled may already include that write: the event, not the stat, decides.
            pending[path] = Pending(closed: false, lastActivity: now, identity: identity)
        case .scanned:
            if var entry = pending[path] {
                if entry.identity != identity {
                    entry.lastActivity = now
                    entry.identity = identity
                    entry.closed = false
                }
                pending[path] = entry
            } else {
                pending[path] = Pending(closed: false, lastActivity: now, identity: identity)
            }
        }
    }

    /// Whether any path `matching` is still waiting to settle.
    package func hasPending(matching: (String) -> Bool) -> Bool {
        pending.keys.contains(where: matching)
    }

    /// Stops tracking `path` (it was deleted or moved away).
    package mutating func forget(path: String) {
        pending[path] = nil
    }

    /// Stops tracking everything at or below `directory`.
    package mutating func forget(below directory: String) {
        let prefix = directory + "/"
        pending = pending.filter { !$0.key.hasPrefix(prefix) && $0.key != directory }
    }

    /// The paths whose window has passed at `now`; stat each and call ``decide(path:identity:now:)``.
    package func duePaths(now: Instant) -> [String] {
        pending.filter { now >= $0.value.lastActivity.advanced(by: window(for: $0.value)) }.keys.sorted()
    }

    /// Decides about a due path given its identity now.
    package mutating func decide(path: String, identity: FileSystem.Identity?, now: Instant) -> Decision {
        guard let entry = pending[path] else { return .keepWaiting }
        // Links, pipes and devices settle too, so that the runner can say why it refuses them.
        guard let identity, !identity.isDirectory else {
            pending[path] = nil
            return .vanished
        }
        if entry.identity == identity {
            pending[path] = nil
            return .settled(identity)
        }
        pending[path] = Pending(closed: entry.closed, lastActivity: now, identity: identity)
        return .keepWaiting
    }

    private func window(for entry: Pending) -> Duration {
        // An empty file after a close is the FUSE SMB client's first, empty close: wait for the real write.
        entry.closed && (entry.identity?.size ?? 0) > 0 ? configuration.settleWindow : configuration.quietWindow
    }
}
