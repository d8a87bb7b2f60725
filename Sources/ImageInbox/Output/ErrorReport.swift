package import Foundation
import RawFileNames

/// The `NAME.error.txt` a person finds next to a file that could not become an image.
///
/// It says what went wrong and what to do in plain words, when, and the job id to look up in
/// the journal. It never contains the API key. The daemon only replaces or removes error files
/// it wrote itself, recognised by their first line.
package struct ErrorReport: Sendable {
    /// The first words of every report, by which the daemon recognises its own files.
    static let marker = "image-inbox could not"

    /// The source that failed.
    package var sourcePath: String
    /// Why.
    package var error: ImageInboxError
    /// The job's id in the ledger and the journal.
    package var jobID: String
    /// When it failed.
    package var date: Date

    package init(sourcePath: String, error: ImageInboxError, jobID: String, date: Date) {
        self.sourcePath = sourcePath
        self.error = error
        self.jobID = jobID
        self.date = date
    }

    /// Where the report goes: `cat.prompt` → `cat.error.txt`, `cat.edit` → `cat.error.txt`, and
    /// inside a folder bundle `cat.edit/instruction.txt` → `cat.edit/error.txt`.
    package static func path(for sourcePath: String) -> String {
        notePath(for: sourcePath, kind: "error")
    }

    /// Where a note of `kind` (`error`, `waiting`) about `sourcePath` goes, named as
    /// ``path(for:)`` names the error report.
    static func notePath(for sourcePath: String, kind: String) -> String {
        let name = SourceName(path: sourcePath)
        if EditBundle.isBundleFolder(name.directory) && EditBundle.instructionNames.contains(name.fileName.lowercased()) {
            return name.directory + "/\(kind).txt"
        }
        // A name too long for the note is cut to fit, so that the folder still hears of it.
        let suffix = ".\(kind).txt"
        return SourceName.fitting(name.stem, suffixBytes: suffix.utf8.count) + suffix
    }

    /// The report's text.
    package var text: String {
        let name = RawFileName.shown(SourceName(path: sourcePath).fileName)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let request = error.requestID.map { "\nProvider request: \($0)" } ?? ""
        return """
            \(Self.marker) make an image from "\(name)".

            What went wrong:
            \(error.message)

            What happens next:
            \(nextStep)

            When: \(formatter.string(from: date))
            Job: \(jobID)\(request)
            (For the server's administrator: journalctl -u image-inbox IMAGE_INBOX_JOB=\(jobID))

            """
    }

    private var nextStep: String {
        switch error.code {
        case .invalidSource, .invalidParameter, .requestRejected, .moderationBlocked:
            "Fix \"\(RawFileName.shown(SourceName(path: sourcePath).fileName))\" and save it again: image-inbox tries again "
                + "whenever the file's content changes, and removes this note when the image is made."
        default:
            "Save \"\(RawFileName.shown(SourceName(path: sourcePath).fileName))\" again (any change) to try again\(error.billed == nil ? "" : ", which is paid again"). "
                + "This note is removed when the image is made."
        }
    }

    /// Writes the report next to the source, replacing an earlier report of the daemon's.
    ///
    /// - Parameters:
    ///   - key: Redacted from the text, whatever a provider echoed back.
    ///   - ownership: The note's mode and group.
    /// - Returns: false when a file of someone else's has that name (it is left alone).
    @discardableResult
    package func write(redacting key: APIKey?, ownership: OutputOwnership = .inherited) throws(ImageInboxError) -> Bool {
        // Neither the key nor a URL's user and password, whatever a message quoted.
        let text = URLUserinfo.redacted(key.map { $0.redact(self.text) } ?? self.text)
        return try Self.writeNote(text, at: Self.path(for: sourcePath), marker: Self.marker, ownership: ownership)
    }

    /// Writes a note of the daemon's (`text` begins with `marker`) at `path`, replacing an
    /// earlier one of its own; a name's bytes that are not UTF-8 show as `\xE9`.
    ///
    /// - Returns: false when a file of someone else's has that name (it is left alone).
    static func writeNote(_ text: String, at path: String, marker: String, ownership: OutputOwnership) throws(ImageInboxError) -> Bool {
        if FileSystem.exists(path) && !isOurs(path, marker: marker) { return false }
        try ResultWriter.replace(path, with: Array(RawFileName.readable(text).utf8), ownership: ownership)
        return true
    }

    /// Removes the note at `path` if it is the daemon's (it begins with `marker`).
    static func removeOurs(at path: String, marker: String) {
        if isOurs(path, marker: marker) { FileSystem.remove(path) }
    }

    /// Whether the file at `path` is a note of the daemon's: it begins with `marker`.
    static func isOurs(_ path: String, marker: String) -> Bool {
        guard case .success(let bytes) = FileSystem.readRegularFile(path, limit: 1024 * 1024) else { return false }
        return bytes.starts(with: Array(marker.utf8))
    }
}
