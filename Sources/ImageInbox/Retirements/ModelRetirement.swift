package import Foundation

/// A model in use that the provider will shut down (or did): its id as the configuration, a
/// folder or a job named it, the date, and the model to move to.
///
/// Days are whole UTC days: a model shut down on 2026-12-27 has 20 days left on 2026-12-07,
/// whatever the hour, and is retired from 2026-12-27 00:00 UTC on.
package struct ModelRetirement: Sendable, Equatable, Codable {
    /// The model id, as it is used.
    package var model: String
    /// The shutdown date, `YYYY-MM-DD`.
    package var shutdownDate: String
    /// The model the provider names as its replacement, if it names one.
    package var replacement: String?
    /// The start of the shutdown date, UTC.
    package let shutdown: Date

    private enum CodingKeys: String, CodingKey {
        case model, shutdownDate, replacement
    }

    /// A retirement on `shutdownDate`; nil when that is not a `YYYY-MM-DD` date.
    package init?(model: String, shutdownDate: String, replacement: String?) {
        guard let shutdown = Self.midnight(of: shutdownDate) else { return nil }
        self.model = model
        self.shutdownDate = shutdownDate
        self.replacement = replacement
        self.shutdown = shutdown
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let date = try container.decode(String.self, forKey: .shutdownDate)
        guard let shutdown = Self.midnight(of: date) else {
            throw DecodingError.dataCorruptedError(forKey: .shutdownDate, in: container, debugDescription: "'\(date)' is not a YYYY-MM-DD date")
        }
        model = try container.decode(String.self, forKey: .model)
        shutdownDate = date
        replacement = try container.decodeIfPresent(String.self, forKey: .replacement)
        self.shutdown = shutdown
    }

    /// Whole UTC days from `now` to the shutdown date: 0 on the day itself, negative after it.
    package func daysLeft(at now: Date) -> Int {
        Self.day(of: shutdown) - Self.day(of: now)
    }

    /// Whether the model is shut down at `now`.
    package func isRetired(at now: Date) -> Bool {
        daysLeft(at: now) <= 0
    }

    /// What the `STATUS=` line says: `model gpt-image-2 retires 2026-12-27 (20 days)`.
    package func statusMention(at now: Date) -> String {
        let days = daysLeft(at: now)
        guard days > 0 else { return "model \(model) retired \(shutdownDate)" + (replacement.map { ", use \($0)" } ?? "") }
        return "model \(model) retires \(shutdownDate) (\(Self.days(days)))"
    }

    /// What `check` and `status` say: `model gpt-image-2 shuts down on 2026-12-27 (20 days); its
    /// replacement: gpt-image-2.6-flare`.
    package func notice(at now: Date) -> String {
        let days = daysLeft(at: now)
        let when = days > 0 ? "shuts down on \(shutdownDate) (\(Self.days(days)))" : "was shut down on \(shutdownDate), its jobs fail"
        return "model \(model) \(when); " + (replacement.map { "its replacement: \($0)" } ?? "no replacement is named, choose another model")
    }

    /// The UTC day number (days since 1970-01-01) `date` falls in.
    static func day(of date: Date) -> Int {
        Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    private static func days(_ count: Int) -> String {
        count == 1 ? "1 day" : "\(count) days"
    }

    /// The start (UTC) of a `YYYY-MM-DD` date; nil for any other text or a day that does not
    /// exist (2026-02-30).
    static func midnight(of text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        return Date(timeIntervalSince1970: Double(LedgerDate.days(fromCivil: Int64(year), Int64(month), Int64(day))) * 86_400)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
