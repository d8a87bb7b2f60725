import Glibc
package import Logging
import RawFileNames
import Synchronization

/// Readable log lines on standard error, as swift-log's `StreamLogHandler` writes them
/// (`2026-12-01T21:26:03+0000 info image-inbox: job.id=… [ImageInbox] Job done`), each line in
/// one `write`.
///
/// `StreamLogHandler` formats its whole metadata again every time one key is set, and a job sets
/// several on its logger as it goes; here metadata is formatted only for a line that is written.
/// No `LoggingSystem` metadata provider is consulted (the daemon installs none).
package struct StandardErrorLogHandler: LogHandler {
    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level = .info
    private let label: String
    private let write: @Sendable (String) -> Void

    /// - Parameters:
    ///   - label: The logger's label, after the level.
    ///   - write: Where each line goes; standard error unless a test records them.
    package init(label: String, write: @escaping @Sendable (String) -> Void = StandardErrorLogHandler.writeToStandardError) {
        self.label = label
        self.write = write
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        var line = Self.timestamp()
        line += " \(event.level)\(label.isEmpty ? "" : " ")\(label):"
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(value)"
        }
        line += " [\(event.source)] \(event.message)"
        // A file name's bytes that are not UTF-8 show as `\xE9`, its control characters as
        // `\x0A`: one event is one line, whatever a name on the share holds.
        write(RawFileName.shown(line) + "\n")
    }

    /// Writes a line to standard error.
    package static let writeToStandardError: @Sendable (String) -> Void = { line in
        let bytes = Array(line.utf8)
        // One line at a time, so that lines of several threads never interleave (a line longer
        // than a pipe's atomic write may take several writes).
        writing.withLock { _ in
            var written = 0
            while written < bytes.count {
                let count = bytes.withUnsafeBytes { buffer in
                    Glibc.write(STDERR_FILENO, buffer.baseAddress! + written, buffer.count - written)
                }
                if count < 0, errno == EINTR { continue }
                // A closed or full standard error drops the line rather than stall the daemon.
                guard count > 0 else { return }
                written += count
            }
        }
    }

    private static let writing = Mutex(())

    /// Local time as `2026-12-01T21:26:03+0000`.
    private static func timestamp() -> String {
        var now = time(nil)
        var local = tm()
        guard localtime_r(&now, &local) != nil else { return "<unknown>" }
        var buffer = [Int8](repeating: 0, count: 64)
        let length = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
