import DequeModule

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
        /// The job let through to probe (its ``SettledSource/queueKey``), while it runs.
        package var probePath: String?
    }

    // Per inbox the waiting jobs (by queue key) in order, and each one's newest state: enqueueing and taking
    // stay O(1) with a backlog of tens of thousands of files.
    private var queues: [String: Deque<String>] = [:]
    private var waiting: [String: SettledSource] = [:]
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
    package var waitingCount: Int { waiting.count + again.count }

    /// How many jobs run.
    package var runningCount: Int { inFlight.count }
    /// Running jobs that wait to be tried again.
    package var resting = 0

    /// Adds a source. A file whose job is running is taken again when that job ends; a file
    /// already waiting keeps its place with its newest state.
    package mutating func enqueue(_ source: SettledSource, atFront: Bool = false) {
        if inFlight.contains(source.queueKey) {
            again[source.queueKey] = source
            return
        }
        if waiting.updateValue(source, forKey: source.queueKey) != nil { return }
        if queues[source.inbox] == nil { inboxes.append(source.inbox) }
        if atFront {
            queues[source.inbox, default: []].prepend(source.queueKey)
        } else {
            queues[source.inbox, default: []].append(source.queueKey)
        }
    }

    /// The next source to run, taking inboxes in turn; nil when none may run now.
    package mutating func take(now: Instant) -> SettledSource? {
        // A job waiting to be tried again leaves its place to another (up to `limit` of them, so
        // an outage keeps at most twice the limit trying): one prompt the API keeps failing
        // must not hold the queue for the retry horizon.
        guard inFlight.count - min(resting, limit) < limit else { return nil }
        if let current = pause {
            guard current.probePath == nil, now >= current.until else { return nil }
        }
        for offset in 0..<inboxes.count {
            let inbox = inboxes[(nextInbox + offset) % inboxes.count]
            guard let key = queues[inbox]?.popFirst(), let source = waiting.removeValue(forKey: key) else { continue }
            nextInbox = (nextInbox + offset + 1) % inboxes.count
            inFlight.insert(source.queueKey)
            if pause != nil { pause?.probePath = source.queueKey }
            return source
        }
        return nil
    }

    /// When the current pause lets a probe through (nil when not paused or a probe is running):
    /// the queue's next deadline.
    package var pauseEnds: Instant? {
        pause.flatMap { $0.probePath == nil ? $0.until : nil }
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
    /// - Parameters:
    ///   - paused: Whether it ended by pausing the queue (then it waits again, in front).
    ///   - askedTheAPI: Whether it sent a request: a probe that sent none (a batch file read, a
    ///     file waiting for its folder's budget) says nothing of the cause, and the next job probes.
    /// - Returns: Whether this lifted a pause (the probe went through).
    @discardableResult
    package mutating func finish(_ source: SettledSource, paused: Bool, askedTheAPI: Bool = true) -> Bool {
        inFlight.remove(source.queueKey)
        var resumed = false
        if let current = pause, current.probePath == source.queueKey {
            if paused || !askedTheAPI {
                pause?.probePath = nil
            } else {
                pause = nil
                resumed = true
            }
        }
        if let next = again.removeValue(forKey: source.queueKey) {
            enqueue(next)
        } else if paused {
            enqueue(source, atFront: true)
        }
        return resumed
    }
}
