import Foundation
import ImageInbox
import Testing

struct LocalDayTests {
    // The epoch, a day in 2023, the nights of 2024 when summer time began and ended in Europe,
    // and the last second of a day and the first of the next (UTC). Under a zone without summer
    // time they check midnight and the day's length; the day's length moves only where it has it.
    @Test(arguments: [0, 1_700_000_000, 1_711_846_800, 1_729_990_800, 1_764_633_599, 1_764_633_600])
    func theDayBeginsAtLocalMidnightAsTheCalendarSaysAndEndsAtTheNext(seconds: Int) {
        let date = Date(timeIntervalSince1970: TimeInterval(seconds))
        let start = LocalDay.start(of: date)
        let end = LocalDay.end(of: date)
        #expect(start == Calendar.current.startOfDay(for: date))
        #expect(start <= date && date < end)
        // 23 to 25 hours, as summer time begins or ends.
        #expect((23 * 3600...25 * 3600).contains(end.timeIntervalSince(start)))
        #expect(LocalDay.start(of: end) == end)
    }
}
