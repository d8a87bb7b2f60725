import Foundation
import GRDB
import ImageInbox
import Testing

struct LedgerDateTests {
    /// Around leap days, year ends, the epoch, before it, and today, with odd milliseconds.
    static let dates: [Date] = [
        0, -1, 0.001, 951_782_400.5, 951_868_799.999, 1_709_164_800.123, 1_735_689_599.999, 4_102_444_800, -2_208_988_800.25,
        Date().timeIntervalSince1970.rounded(.down) + 0.437,
    ].map(Date.init(timeIntervalSince1970:))

    @Test(arguments: dates) func writesTheTextGRDBWrites(date: Date) throws {
        guard case .string(let expected) = date.databaseValue.storage else {
            Issue.record("GRDB stored \(date) as something other than text")
            return
        }
        #expect(LedgerDate.text(date) == expected)
    }

    @Test(arguments: dates) func readsWhatGRDBReads(date: Date) throws {
        let stored = date.databaseValue
        let read = try #require(LedgerDate.date(stored))
        let expected = try #require(Date.fromDatabaseValue(stored))
        #expect(abs(read.timeIntervalSince1970 - expected.timeIntervalSince1970) < 0.000_5)
    }

    @Test func aDateReadBackWritesTheSameText() throws {
        // Every millisecond of a second, in years from 2004 to 2100 (where a Double's last bits
        // fall differently).
        for start in [1_072_915_200.0, 1_796_160_000, 2_147_483_000, 4_102_444_000] {
            for millisecond in 0..<1000 {
                let text = LedgerDate.text(Date(timeIntervalSince1970: start + Double(millisecond) / 1000))
                let read = try #require(LedgerDate.date(text.databaseValue))
                #expect(LedgerDate.text(read) == text)
            }
        }
    }

    @Test func readsOtherFormsAsGRDBDoes() {
        #expect(LedgerDate.date("2026-03-01".databaseValue) == Date.fromDatabaseValue("2026-03-01".databaseValue))
        #expect(LedgerDate.date("2026-03-01 12:30".databaseValue) == Date.fromDatabaseValue("2026-03-01 12:30".databaseValue))
        #expect(LedgerDate.date(1_000.databaseValue) == Date(timeIntervalSince1970: 1_000))
        #expect(LedgerDate.date(.null) == nil)
        #expect(LedgerDate.date("2026-13-01 00:00:00.000".databaseValue) == Date.fromDatabaseValue("2026-13-01 00:00:00.000".databaseValue))
    }
}
