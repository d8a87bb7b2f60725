/// The sources waiting for a worker, handed out in turn across inboxes, one job per file at a
/// time, and held back while the queue is paused.
///
/// A value type: ``JobQueue`` keeps it and does the waiting; every decision is made here, with
/// the time passed in.
package struct FairQueue<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// Why the queue holds everything back, and until when.
    package struct Pause: Sendable, Equatable {
        /// In plain words, for the log, `status` and `STATUS=`.
        package var reason: String
        /// When one job may go through to see whether the cause has passed.
        package var until: Instant
        /// The file let through to probe, while its job runs.
        package var probePath: String?
    }

    private var queues: [String: [SettledSource]] = [:]
    private var inboxes: [String] = []
    private var nextInbox = 0
    private var inFlight: Set<String> = []
    private var again: [String: SettledSource] = [:]
    /// The current pause, if any.
    package private(set) var pause: Pause?
    /// The most jobs running at once.
    package var limit: Int

    package init(limit: Int = .max) {
        self.limit = limit
    }

    /// How many sources wait.
    package var waitingCount: Int { queues.values.reduce(0) { $0 + $1.count } + again.count }

    /// How many jobs run.
    package var runningCount: Int { inFlight.count }

    /// Adds a source. A file whose job is running is taken again when that job ends; a file
    /// already waiting keeps its place with its newest state.
    package mutating func enqueue(_ source: SettledSource, atFront: Bool = false) {
        if inFlight.contains(source.path) {
            again[source.path] = source
            return
        }
        if !inboxes.contains(source.inbox) { inboxes.append(source.inbox) }
        var queue = queues[source.inbox, default: []]
        if let index = queue.firstIndex(where: { $0.path == source.path }) {
            queue[index] = source
        } else if atFront {
            queue.insert(source, at: 0)
        } else {
            queue.append(source)
        }
        queues[source.inbox] = queue
    }

    /// The next source to run, taking inboxes in turn; nil when none may run now.
    package mutating func take(now: Instant) -> SettledSource? {
        guard inFlight.count < limit else { return nil }
        if let current = pause {
            guard current.probePath == nil, now >= current.until else { return nil }
        }
        for offset in 0..<inboxes.count {
            let inbox = inboxes[(nextInbox + offset) % inboxes.count]
            guard var queue = queues[inbox], !queue.isEmpty else { continue }
            let source = queue.removeFirst()
            queues[inbox] = queue
            nextInbox = (nextInbox + offset + 1) % inboxes.count
            inFlight.insert(source.path)
            if pause != nil { pause?.probePath = source.path }
            return source
        }
        return nil
    }

    /// Holds every job back until `until`; then one goes through as a probe.
    package mutating func pause(reason: String, until: Instant) {
        pause = Pause(reason: reason, until: until, probePath: nil)
    }

    /// Lifts a pause (the probe succeeded, or the configuration was reloaded).
    package mutating func resume() {
        pause = nil
    }

    /// Records that the job for `path` ended.
    ///
    /// - Parameter paused: Whether it ended by pausing the queue (then it waits again, in front).
    /// - Returns: Whether this lifted a pause (the probe went through).
    @discardableResult
    package mutating func finish(_ source: SettledSource, paused: Bool) -> Bool {
        inFlight.remove(source.path)
        var resumed = false
        if let current = pause, current.probePath == source.path {
            if paused {
                pause?.probePath = nil
            } else {
                pause = nil
                resumed = true
            }
        }
        if let next = again.removeValue(forKey: source.path) {
            enqueue(next)
        } else if paused {
            enqueue(source, atFront: true)
        }
        return resumed
    }
}
