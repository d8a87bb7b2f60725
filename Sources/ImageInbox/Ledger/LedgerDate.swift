package import Foundation
package import GRDB

/// Dates as the ledger stores them: GRDB's text format, `yyyy-MM-dd HH:mm:ss.SSS` in UTC, made
/// and read by arithmetic instead of through ICU.
///
/// GRDB formats every `Date` with a `DateFormatter` and reads it back through `Calendar`; for the
/// few dates each job writes and reads, that was a tenth of the ledger's CPU. The text is the
/// same, so rows written either way compare and sort alike.
package enum LedgerDate {
    private static let millisecondsPerDay: Int64 = 86_400_000

    /// The stored text of `date`.
    package static func text(_ date: Date) -> String {
        // A microsecond's leeway: a date read back from its text is a Double a hair below the
        // millisecond it names, and must give that millisecond again.
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000 + 0.001).rounded(.down))
        let days = milliseconds >= 0 ? milliseconds / millisecondsPerDay : (milliseconds + 1) / millisecondsPerDay - 1
        var rest = milliseconds - days * millisecondsPerDay
        let (year, month, day) = civil(fromDays: days)
        guard (1583...9999).contains(year) else {
            // Years of other than four digits, or before the Gregorian calendar, where ICU
            // counts Julian days (never a job's): as GRDB writes them.
            if case .string(let text) = date.databaseValue.storage { return text }
            return ""
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(23)
        func append(_ value: Int64, digits: Int) {
            var divisor: Int64 = 1
            for _ in 1..<digits { divisor *= 10 }
            var value = value
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value / divisor))
                value %= divisor
                divisor /= 10
            }
        }
        append(year, digits: 4)
        bytes.append(UInt8(ascii: "-"))
        append(month, digits: 2)
        bytes.append(UInt8(ascii: "-"))
        append(day, digits: 2)
        bytes.append(UInt8(ascii: " "))
        append(rest / 3_600_000, digits: 2)
        rest %= 3_600_000
        bytes.append(UInt8(ascii: ":"))
        append(rest / 60_000, digits: 2)
        rest %= 60_000
        bytes.append(UInt8(ascii: ":"))
        append(rest / 1000, digits: 2)
        bytes.append(UInt8(ascii: "."))
        append(rest % 1000, digits: 3)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The date a stored value holds: the format above is read here, anything else (NULL, a
    /// number, another SQLite date form) as GRDB reads it.
    package static func date(_ value: DatabaseValue) -> Date? {
        guard case .string(let text) = value.storage, let date = parse(text) else {
            return Date.fromDatabaseValue(value)
        }
        return date
    }

    private static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { bytes -> Date? in
            guard bytes.count == 23, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: " "),
                bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: ".")
            else { return nil }
            func number(_ start: Int, _ count: Int) -> Int64? {
                var value: Int64 = 0
                for index in start..<(start + count) {
                    let digit = bytes[index] &- UInt8(ascii: "0")
                    guard digit < 10 else { return nil }
                    value = value * 10 + Int64(digit)
                }
                return value
            }
            guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
                let minute = number(14, 2), let second = number(17, 2), let millisecond = number(20, 3),
                (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
            else { return nil }
            let milliseconds = days(fromCivil: year, month, day) * millisecondsPerDay + ((hour * 60 + minute) * 60 + second) * 1000 + millisecond
            return Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        }
    }

    // Howard Hinnant's days-from-civil and its inverse, for the proleptic Gregorian calendar.
    /// The days from 1970-01-01 to a date of the proleptic Gregorian calendar (no calendar, and
    /// no ICU, needed).
    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let year = month <= 2 ? year - 1 : year
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
