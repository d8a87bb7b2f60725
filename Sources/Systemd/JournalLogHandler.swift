import CSystemd
import Glibc
package import Logging

/// A swift-log handler writing the journal's native protocol with `sd_journal_sendv`, so that
/// every metadata key is a field `journalctl` can match on (`journalctl IMAGE_INBOX_JOB=…`).
///
/// Swift cannot call the variadic `sd_journal_send`; `sd_journal_sendv` takes the fields as an
/// array, and the caller's location comes from swift-log's arguments.
package struct JournalLogHandler: LogHandler {
    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level = .info
    private let identifier: String
    private let send: @Sendable ([(name: String, value: String)]) -> Void

    /// - Parameters:
    ///   - identifier: `SYSLOG_IDENTIFIER`, what `journalctl -t` matches.
    ///   - send: Where the fields go; the journal unless a test records them.
    package init(identifier: String, send: @escaping @Sendable ([(name: String, value: String)]) -> Void = JournalLogHandler.sendToJournal) {
        self.identifier = identifier
        self.send = send
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        if let error = event.error { merged["error"] = "\(error)" }
        send(
            JournalFields.make(
                level: event.level, message: event.message, metadata: merged, identifier: identifier,
                file: event.file, function: event.function, line: event.line
            )
        )
    }

    /// Sends fields to the journal with `sd_journal_sendv`.
    package static let sendToJournal: @Sendable ([(name: String, value: String)]) -> Void = { fields in
        let entries = fields.map { Array("\($0.name)=\($0.value)".utf8) }
        let buffers = entries.map { entry -> UnsafeMutableRawBufferPointer in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(entry.count, 1), alignment: 1)
            buffer.copyBytes(from: entry)
            return buffer
        }
        defer { for buffer in buffers { buffer.deallocate() } }
        var vectors = zip(buffers, entries).map { buffer, entry in iovec(iov_base: buffer.baseAddress, iov_len: entry.count) }
        _ = sd_journal_sendv(&vectors, Int32(vectors.count))
    }

    /// Whether standard error is connected to the journal: systemd sets `JOURNAL_STREAM` to the
    /// device and inode of the stream it gave the service, which must be stderr itself.
    package static func isStandardErrorJournal(environment: [String: String]) -> Bool {
        guard let stream = environment["JOURNAL_STREAM"] else { return false }
        let parts = stream.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(STDERR_FILENO, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}
