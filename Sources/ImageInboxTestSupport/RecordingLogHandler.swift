package import Logging
import Synchronization

/// A `LogHandler` that keeps every event in memory, for tests that assert what was logged
/// (never bootstrapped: hand it to one `Logger`).
package struct RecordingLogHandler: LogHandler {
    /// One logged event, its metadata as text.
    package struct Entry: Sendable, Equatable {
        /// The event's level.
        package var level: Logger.Level
        /// The message, as logged.
        package var message: String
        /// The handler's and the event's metadata, each value as text.
        package var metadata: [String: String]
    }

    /// The events, shared by every copy of the handler.
    package final class Entries: Sendable {
        private let entries = Mutex<[Entry]>([])

        package init() {}

        /// Everything logged so far, in order.
        package var all: [Entry] { entries.withLock { $0 } }

        /// The events with this message.
        package func with(message: String) -> [Entry] {
            all.filter { $0.message == message }
        }

        func append(_ entry: Entry) {
            entries.withLock { $0.append(entry) }
        }
    }

    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level = .trace
    /// Where the events go.
    package let entries: Entries

    package init(entries: Entries = Entries()) {
        self.entries = entries
    }

    /// A logger whose events land in `entries`, from `level` up.
    package static func logger(_ entries: Entries, level: Logger.Level = .debug) -> Logger {
        var logger = Logger(label: "image-inbox-test") { _ in RecordingLogHandler(entries: entries) }
        logger.logLevel = level
        return logger
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        entries.append(Entry(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
    }
}
