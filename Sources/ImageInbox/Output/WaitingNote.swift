package import Foundation
import RawFileNames

/// The `NAME.waiting.txt` a person finds next to a file whose image is late because the API
/// keeps failing for now: it says that nothing needs doing, why it is late, and when the next
/// attempt is. It is rewritten at each attempt and removed when the job ends either way.
package struct WaitingNote: Sendable {
    /// The first words of every note, by which the daemon recognises its own files.
    static let marker = "image-inbox is still trying"

    /// The source whose image is late.
    package var sourcePath: String
    /// The last transient failure.
    package var error: ImageInboxError
    /// When the failures began.
    package var failingSince: Date
    /// When the next attempt is.
    package var nextAttempt: Date
    /// Attempts made so far.
    package var attempts: Int
    /// The job's id in the ledger and the journal.
    package var jobID: String

    package init(sourcePath: String, error: ImageInboxError, failingSince: Date, nextAttempt: Date, attempts: Int, jobID: String) {
        self.sourcePath = sourcePath
        self.error = error
        self.failingSince = failingSince
        self.nextAttempt = nextAttempt
        self.attempts = attempts
        self.jobID = jobID
    }

    /// `cat.prompt` → `cat.waiting.txt` (inside a folder bundle, `cat.edit/waiting.txt`).
    package static func path(for sourcePath: String) -> String {
        ErrorReport.notePath(for: sourcePath, kind: "waiting")
    }

    /// The note's text.
    package var text: String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let request = error.requestID.map { "\nProvider request: \($0)" } ?? ""
        return """
            \(Self.marker) to make an image from "\(RawFileName.shown(SourceName(path: sourcePath).fileName))".

            Nothing needs doing: the images API is failing for now, not the file.
            The API's last answer:
            \(error.message)

            Tried \(attempts) time\(attempts == 1 ? "" : "s") since \(formatter.string(from: failingSince)); next attempt at \(formatter.string(from: nextAttempt)).
            This note is removed when the image is made.

            Job: \(jobID)\(request)
            (For the server's administrator: journalctl -u image-inbox IMAGE_INBOX_JOB=\(jobID))

            """
    }

    /// Writes the note next to the source, replacing an earlier one of the daemon's.
    ///
    /// - Parameters:
    ///   - key: Redacted from the text, whatever a provider echoed back.
    ///   - ownership: The note's mode and group.
    /// - Returns: false when a file of someone else's has that name (it is left alone).
    @discardableResult
    package func write(redacting key: APIKey?, ownership: OutputOwnership = .inherited) throws(ImageInboxError) -> Bool {
        try ErrorReport.writeNote(key.map { $0.redact(text) } ?? text, at: Self.path(for: sourcePath), marker: Self.marker, ownership: ownership)
    }

    /// Removes the note the daemon wrote for `sourcePath`, if there is one.
    package static func remove(for sourcePath: String) {
        ErrorReport.removeOurs(at: path(for: sourcePath), marker: marker)
    }
}
