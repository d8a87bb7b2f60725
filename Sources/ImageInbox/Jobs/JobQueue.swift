/// The runner's queue: workers wait here for the next source, in turn across inboxes, and stop
/// taking work once it is closed.
///
/// Decisions are ``FairQueue``'s; this actor only parks and wakes the waiting workers.
actor JobQueue {
    private var state = FairQueue<ContinuousClock.Instant>()
    private var waiters: [CheckedContinuation<SettledSource?, Never>] = []
    private(set) var isClosed = false

    /// The current pause, if any.
    var pause: FairQueue<ContinuousClock.Instant>.Pause? { state.pause }

    /// Sources waiting and jobs running.
    var counts: (waiting: Int, running: Int) { (state.waitingCount, state.runningCount) }

    func enqueue(_ source: SettledSource) {
        state.enqueue(source)
        wake()
    }

    /// The next source to work on, waiting as long as needed; nil once the queue is closed.
    func next() async -> SettledSource? {
        if isClosed { return nil }
        if let source = state.take(now: .now) { return source }
        return await withCheckedContinuation { waiters.append($0) }
    }

    func finish(_ source: SettledSource, paused: Bool) -> Bool {
        let resumed = state.finish(source, paused: paused)
        wake()
        return resumed
    }

    func setLimit(_ limit: Int) {
        state.limit = limit
        wake()
    }

    func pause(reason: String, until: ContinuousClock.Instant) {
        state.pause(reason: reason, until: until)
    }

    func resume() {
        state.resume()
        wake()
    }

    /// Lets waiting workers re-check (a pause may have run out).
    func tick() {
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
    }
}
