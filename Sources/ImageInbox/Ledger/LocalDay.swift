#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
package import Foundation

/// The local calendar day, by the C library's time zone rules (`TZ`, `/etc/localtime`): the
/// day's figures (spend, failures, the daily budget) start again at local midnight.
///
/// `Calendar` would load ICU's locale and time zone data into the daemon for this alone (its
/// pages were most of the 6 MB of ICU an idle daemon kept resident).
package enum LocalDay {
    /// When the local day that `date` falls in began.
    package static func start(of date: Date) -> Date {
        midnight(of: date, daysLater: 0)
    }

    /// When the local day after the one `date` falls in begins.
    package static func end(of date: Date) -> Date {
        midnight(of: date, daysLater: 1)
    }

    private static func midnight(of date: Date, daysLater: Int32) -> Date {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else { return date }
        parts.tm_mday += daysLater
        (parts.tm_hour, parts.tm_min, parts.tm_sec) = (0, 0, 0)
        // Whether summer time is in force at that midnight is mktime's to find out.
        parts.tm_isdst = -1
        let start = mktime(&parts)
        return start == -1 ? date : Date(timeIntervalSince1970: TimeInterval(start))
    }
}
