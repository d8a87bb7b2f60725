import ImageInbox
import Testing

struct MonitorScheduleTests {
    typealias Schedule = MonitorSchedule<ContinuousClock.Instant>
    let start = ContinuousClock.now

    func at(_ milliseconds: Int64) -> ContinuousClock.Instant {
        start.advanced(by: .milliseconds(milliseconds))
    }

    func schedule(watchdog: Duration? = nil) -> Schedule {
        Schedule(now: at(0), coalescing: .milliseconds(250), watchdog: watchdog, untilMidnight: .seconds(3600))
    }

    @Test func theFirstLineGoesAtOnce() {
        var schedule = schedule()
        #expect(schedule.nextDeadline == at(0))
        #expect(schedule.take(now: at(0), untilMidnight: .seconds(3600)) == .init(status: true, ping: false))
        #expect(schedule.statusDue == nil)
    }

    @Test func aBurstOfChangesIsOneLinePerCoalescingWindow() {
        var schedule = schedule()
        _ = schedule.take(now: at(0), untilMidnight: .seconds(3600))
        // 32 jobs finishing over 100 ms, just after a line went out: one line, 250 ms after it.
        for change in 0..<32 {
            schedule.changed(now: at(10 + Int64(change) * 3))
            #expect(schedule.take(now: at(10 + Int64(change) * 3), untilMidnight: .seconds(3600)).status == false)
        }
        #expect(schedule.nextDeadline == at(250))
        #expect(schedule.take(now: at(250), untilMidnight: .seconds(3600)).status)
        #expect(schedule.take(now: at(251), untilMidnight: .seconds(3600)).status == false)
    }

    @Test func aChangeAfterAQuietSpellIsSentAtOnce() {
        var schedule = schedule()
        _ = schedule.take(now: at(0), untilMidnight: .seconds(3600))
        schedule.changed(now: at(5000))
        #expect(schedule.statusDue == at(5000))
        #expect(schedule.take(now: at(5000), untilMidnight: .seconds(3600)).status)
    }

    @Test func withoutChangesOnlyMidnightIsAhead() {
        var schedule = schedule()
        _ = schedule.take(now: at(0), untilMidnight: .seconds(3600))
        #expect(schedule.nextDeadline == at(3_600_000))
        // The day's figures start again at midnight: a line is due then, and the next midnight is a day on.
        #expect(schedule.take(now: at(3_600_000), untilMidnight: .seconds(86400)).status)
        #expect(schedule.nextDeadline == at(3_600_000 + 86_400_000))
    }

    @Test func theWatchdogIsPingedAtHalfItsInterval() {
        var schedule = schedule(watchdog: .seconds(10))
        #expect(schedule.take(now: at(0), untilMidnight: .seconds(3600)) == .init(status: true, ping: false))
        #expect(schedule.nextDeadline == at(5000))
        #expect(schedule.take(now: at(4999), untilMidnight: .seconds(3600)).ping == false)
        #expect(schedule.take(now: at(5002), untilMidnight: .seconds(3600)) == .init(status: false, ping: true))
        #expect(schedule.nextPing == at(10002))
    }
}
