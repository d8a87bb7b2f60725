package import Logging
import RawFileNames

/// The fields of one journal entry, built from a swift-log call.
///
/// Metadata keys become upper-case fields with the ``prefix``: `job.id` → `IMAGE_INBOX_JOB`,
/// `file.path` → `IMAGE_INBOX_SOURCE`, `job.model` → `IMAGE_INBOX_MODEL`, `job.usd` →
/// `IMAGE_INBOX_USD` (the names people type into `journalctl`), anything else upper-cased with
/// every other character as `_` (`http.status` → `IMAGE_INBOX_HTTP_STATUS`).
package enum JournalFields {
    /// The prefix of every metadata field.
    package static let prefix = "IMAGE_INBOX_"

    /// Short names for the keys people search by.
    package static let aliases = ["job.id": "JOB", "file.path": "SOURCE", "job.model": "MODEL", "job.usd": "USD"]

    /// The journal fields of a log call, in a stable order.
    package static func make(
        level: Logger.Level,
        message: Logger.Message,
        metadata: Logger.Metadata,
        identifier: String,
        file: String,
        function: String,
        line: UInt
    ) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = [
            ("MESSAGE", RawFileName.shown(message.description)),
            ("PRIORITY", String(priority(of: level))),
            ("SYSLOG_IDENTIFIER", identifier),
            ("CODE_FILE", file),
            ("CODE_LINE", String(line)),
            ("CODE_FUNC", function),
        ]
        for key in metadata.keys.sorted() {
            // A file name's bytes that are not UTF-8 show as `\xE9`, and its control characters
            // as `\x0A`, as in the message: a name never makes a line of its own.
            fields.append((fieldName(for: key), RawFileName.shown("\(metadata[key]!)")))
        }
        return fields
    }

    /// The syslog priority of a level: 7 debug … 2 critical.
    package static func priority(of level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// The journal field name for a metadata key.
    package static func fieldName(for key: String) -> String {
        let name = aliases[key] ?? String(key.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        // Journal field names are at most 64 characters of A–Z, 0–9 and _.
        return String((prefix + name).prefix(64))
    }
}
