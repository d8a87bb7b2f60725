/// The one gate every request passes, shared by all workers: at most
/// ``AdaptiveConcurrency/limit`` requests in flight, and none while the API has asked everyone
/// to wait (a 429's `Retry-After`, or a rate limit's reset time when none is left).
///
/// Decisions are ``AdaptiveConcurrency``'s; this actor parks and wakes the waiting requests and
/// wakes exactly when a hold ends (nothing polls).
actor RequestGate {
    /// A request let through, to be handed back with its outcome.
    struct Ticket: Sendable {
        fileprivate let epoch: Int
    }

    /// How a request ended, as far as the gate cares.
    enum Outcome: Sendable {
        /// Answered; with a wait when the API said no requests are left until then.
        case succeeded(holdFor: Duration?)
        /// A 429; with the wait the API asked for, if it did.
        case rateLimited(holdFor: Duration?)
        /// Anything else: says nothing about the rate limit.
        case other
    }

    private var control: AdaptiveConcurrency
    private var inFlight = 0
    private var heldUntil: ContinuousClock.Instant?
    private var holdTimer: Task<Void, Never>?
    private var waiters: [(id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
    private var nextWaiter = 0
    private var onLimitChange: @Sendable (_ limit: Int, _ maximum: Int) -> Void = { _, _ in }

    init(maximum: Int) {
        self.control = AdaptiveConcurrency(maximum: maximum)
    }

    /// Sets what is called when the limit changes (to log it and show it).
    func observe(_ onLimitChange: @escaping @Sendable (_ limit: Int, _ maximum: Int) -> Void) {
        self.onLimitChange = onLimitChange
    }

    /// Requests that may be in flight now, and the configured most.
    var limits: (limit: Int, maximum: Int) { (control.limit, control.maximum) }

    /// Waits for room; nil when the waiting task was cancelled (the daemon is stopping).
    func enter() async -> Ticket? {
        if Task.isCancelled { return nil }
        if waiters.isEmpty, hasRoom {
            inFlight += 1
            return Ticket(epoch: control.epoch)
        }
        let id = nextWaiter
        nextWaiter += 1
        let admitted = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(returning: false)
                } else {
                    waiters.append((id, continuation))
                }
            }
        } onCancel: {
            Task { await self.withdraw(id) }
        }
        return admitted ? Ticket(epoch: control.epoch) : nil
    }

    /// Hands back a ticket with how its request ended.
    func leave(_ ticket: Ticket, _ outcome: Outcome) {
        inFlight -= 1
        let before = control.limit
        switch outcome {
        case .succeeded(let wait):
            _ = control.succeeded()
            if let wait { hold(for: wait) }
        case .rateLimited(let wait):
            _ = control.rateLimited(sentIn: ticket.epoch)
            if let wait { hold(for: wait) }
        case .other:
            break
        }
        if control.limit != before { onLimitChange(control.limit, control.maximum) }
        admit()
    }

    /// A reload changed the configured concurrency (and ends any hold: the reload may have
    /// brought another key or provider).
    func setMaximum(_ maximum: Int) {
        let before = control.limit
        control.setMaximum(maximum)
        heldUntil = nil
        holdTimer?.cancel()
        if control.limit != before { onLimitChange(control.limit, control.maximum) }
        admit()
    }

    private var hasRoom: Bool {
        inFlight < control.limit && (heldUntil.map { $0 <= .now } ?? true)
    }

    /// The longest hold: a longer wait pauses the queue instead (``RetryPolicy/pauseBeyond``),
    /// where `image-inbox status` shows it.
    static let longestHold: Duration = .seconds(120)

    private func hold(for duration: Duration) {
        let until = ContinuousClock.now + min(duration, Self.longestHold)
        guard heldUntil.map({ until > $0 }) ?? true else { return }
        heldUntil = until
        holdTimer?.cancel()
        holdTimer = Task {
            try? await Task.sleep(until: until, clock: .continuous)
            guard !Task.isCancelled else { return }
            self.holdEnded()
        }
    }

    private func holdEnded() {
        if let heldUntil, heldUntil <= .now { self.heldUntil = nil }
        admit()
    }

    private func admit() {
        while !waiters.isEmpty, hasRoom {
            inFlight += 1
            waiters.removeFirst().continuation.resume(returning: true)
        }
    }

    private func withdraw(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(returning: false)
    }
}
