/// When the daemon monitor next sends a `STATUS=` line and a watchdog ping: a value that is told
/// what happened, with the time, and answers what is due and until when to sleep.
///
/// A status line costs a ledger query over the day's jobs, so a burst of changes (32 jobs
/// finishing together) is one line at most per `coalescing`, sent at the earliest moment that
/// allows: at once after a quiet spell, else `coalescing` after the last one.
package struct MonitorSchedule<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// What is due at a given moment.
    package struct Due: Equatable, Sendable {
        /// Build the status line and send it if it changed.
        package var status = false
        /// Check liveness and send `WATCHDOG=1`.
        package var ping = false

        package init(status: Bool = false, ping: Bool = false) {
            self.status = status
            self.ping = ping
        }
    }

    private let coalescing: Duration
    private let pingInterval: Duration?
    private var lastSent: Instant?
    package private(set) var statusDue: Instant?
    package private(set) var nextPing: Instant?
    private var dayEnds: Instant

    /// - Parameters:
    ///   - coalescing: The least time between two status lines.
    ///   - watchdog: systemd's watchdog interval, if it has one (pings go at half of it).
    ///   - untilMidnight: How long until the day's figures start again (and the line changes).
    package init(now: Instant, coalescing: Duration, watchdog: Duration?, untilMidnight: Duration) {
        self.coalescing = coalescing
        self.pingInterval = watchdog.map { $0 / 2 }
        self.statusDue = now
        self.nextPing = pingInterval.map { now.advanced(by: $0) }
        self.dayEnds = now.advanced(by: untilMidnight)
    }

    /// Something the line shows may have changed.
    package mutating func changed(now: Instant) {
        let earliest = lastSent.map { max(now, $0.advanced(by: coalescing)) } ?? now
        statusDue = statusDue.map { min($0, earliest) } ?? earliest
    }

    /// What is due at `now`, taken as done: the caller acts on it.
    ///
    /// - Parameter untilMidnight: How long from `now` the next day starts, used when this one ended.
    package mutating func take(now: Instant, untilMidnight: @autoclosure () -> Duration) -> Due {
        var due = Due()
        if now >= dayEnds {
            dayEnds = now.advanced(by: untilMidnight())
            statusDue = now
        }
        if let statusDue, now >= statusDue {
            self.statusDue = nil
            lastSent = now
            due.status = true
        }
        if let nextPing, let pingInterval, now >= nextPing {
            self.nextPing = now.advanced(by: pingInterval)
            due.ping = true
        }
        return due
    }

    /// The earliest moment something is due.
    package var nextDeadline: Instant {
        [statusDue, nextPing].compactMap { $0 }.reduce(dayEnds) { min($0, $1) }
    }
}
