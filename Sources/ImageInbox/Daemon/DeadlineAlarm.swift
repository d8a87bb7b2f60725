import Synchronization

/// Wakes a service at the one deadline its state machine returned last, and not before: between
/// deadlines no thread wakes up, so an idle daemon costs nothing.
///
/// The service calls ``wake(at:)`` after every decision with the machine's next deadline (nil for
/// none); ``run(_:)`` sleeps until it and calls `fire` once. Moving the deadline interrupts the
/// sleep only when the deadline really changed. `run` returns when its task is cancelled.
package final class DeadlineAlarm<C: Clock>: Sendable where C.Duration == Duration {
    private struct State {
        var deadline: C.Instant?
        var generation: UInt64 = 0
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let clock: C
    private let state = Mutex(State())

    package init(clock: C) {
        self.clock = clock
    }

    /// Sets the next deadline (nil: none), replacing the one before.
    package func wake(at deadline: C.Instant?) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.deadline != deadline else { return nil }
            state.deadline = deadline
            state.generation &+= 1
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Sets the next deadline to `deadline` unless an earlier one is set.
    package func wake(atEarliest deadline: C.Instant) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let current = state.deadline, current <= deadline { return nil }
            state.deadline = deadline
            state.generation &+= 1
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Calls `fire` each time the current deadline passes, until the task is cancelled.
    package func run(_ fire: @Sendable () async -> Void) async {
        while !Task.isCancelled {
            let (deadline, generation) = state.withLock { ($0.deadline, $0.generation) }
            let fired = await withTaskGroup(of: Bool.self) { group in
                if let deadline {
                    group.addTask { [clock] in (try? await clock.sleep(until: deadline, tolerance: nil)) != nil }
                }
                group.addTask {
                    await self.changed(since: generation)
                    return false
                }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
            guard fired else { continue }
            // A deadline fires once; the service sets the next one when it has acted on it.
            state.withLock { if $0.generation == generation { $0.deadline = nil } }
            await fire()
        }
    }

    /// Returns once the deadline has changed since `generation`, or the task is cancelled.
    private func changed(since generation: UInt64) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    guard state.generation == generation, !Task.isCancelled else { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
