import Synchronization

extension JobRunner {
    /// Takes `source` again once `delay` has passed (replacing an earlier revisit of it).
    func revisit(_ source: SettledSource, after delay: Duration) {
        let at = ContinuousClock.now + delay
        revisits.withLock { waiting in
            waiting.removeAll { $0.source.queueKey == source.queueKey }
            waiting.append((at, source))
        }
        revisitAlarm.wake(atEarliest: at)
    }

    /// Queues the sources whose time has come, and sets the alarm for the next.
    func revisitsDue() async {
        let now = ContinuousClock.now
        let (due, next) = revisits.withLock { waiting -> ([SettledSource], ContinuousClock.Instant?) in
            let due = waiting.filter { $0.at <= now }.map(\.source)
            waiting.removeAll { $0.at <= now }
            return (due, waiting.map(\.at).min())
        }
        if let next { revisitAlarm.wake(atEarliest: next) }
        await queue.enqueue(contentsOf: due)
    }
}
