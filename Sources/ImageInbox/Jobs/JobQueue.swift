/// The runner's queue: workers wait here for the next source, in turn across inboxes, and stop
/// taking work once it is closed.
///
/// Decisions are ``FairQueue``'s; this actor only parks and wakes the waiting workers, and sets
/// ``pauseAlarm`` to the moment a pause runs out (nothing polls).
actor JobQueue {
    private var state = FairQueue<ContinuousClock.Instant>()
    private var waiters: [CheckedContinuation<SettledSource?, Never>] = []
    private(set) var isClosed = false
    private let onChange: @Sendable () -> Void
    /// Fires when a pause runs out; its owner then calls ``pauseRanOut()``.
    nonisolated let pauseAlarm = DeadlineAlarm(clock: ContinuousClock())

    /// - Parameter onChange: Called whenever sources wait, start or end, or a pause begins or ends.
    init(onChange: @escaping @Sendable () -> Void = {}) {
        self.onChange = onChange
    }

    /// The current pause, if any.
    var pause: FairQueue<ContinuousClock.Instant>.Pause? { state.pause }

    /// Sources waiting and jobs running.
    var counts: (waiting: Int, running: Int) { (state.waitingCount, state.runningCount) }

    func enqueue(_ source: SettledSource) {
        enqueue(contentsOf: [source])
    }

    func enqueue(contentsOf sources: [SettledSource]) {
        guard !sources.isEmpty else { return }
        for source in sources { state.enqueue(source) }
        wake()
    }

    /// The next source to work on, waiting as long as needed; nil once the queue is closed.
    func next() async -> SettledSource? {
        if isClosed { return nil }
        if let source = state.take(now: .now) {
            changed()
            return source
        }
        return await withCheckedContinuation { waiters.append($0) }
    }

    func finish(_ source: SettledSource, paused: Bool, askedTheAPI: Bool) -> Bool {
        let resumed = state.finish(source, paused: paused, askedTheAPI: askedTheAPI)
        wake()
        return resumed
    }

    /// A running job starts (true) or stops (false) waiting to be tried again.
    func rest(_ resting: Bool) {
        state.resting += resting ? 1 : -1
        wake()
    }

    func setLimit(_ limit: Int) {
        state.limit = limit
        wake()
    }

    func pause(reason: String, until: ContinuousClock.Instant) {
        state.pause(reason: reason, until: until)
        changed()
    }

    func resume() {
        state.resume()
        wake()
    }

    /// Lets a probe through once a pause has run out.
    func pauseRanOut() {
        wake()
    }

    /// Stops handing out work; waiting workers get nil.
    func close() {
        isClosed = true
        for waiter in waiters { waiter.resume(returning: nil) }
        waiters.removeAll()
    }

    private func wake() {
        while !isClosed, !waiters.isEmpty, let source = state.take(now: .now) {
            waiters.removeFirst().resume(returning: source)
        }
        changed()
    }

    private func changed() {
        pauseAlarm.wake(at: state.pauseEnds)
        onChange()
    }
}
