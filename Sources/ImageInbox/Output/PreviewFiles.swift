package import Logging
import Synchronization

/// The `NAME.preview.png` files of one job while its answer streams in: each partial image
/// replaces the last (written hidden, then renamed, so a viewer on the share never reads half a
/// file), and they are removed once the job has its results or has failed.
///
/// Only the daemon's own previews are written or removed: they carry the job's id, and a file of
/// that name without it (someone's own) is left alone and no preview is written there.
package final class PreviewFiles: Sendable {
    private let stem: String
    private let fileExtension: String
    private let numbered: Bool
    private let jobID: String
    private let ownership: OutputOwnership
    private let logger: Logger
    private let written = Mutex<Set<String>>([])

    /// - Parameters:
    ///   - stem: The results' stem (`/in/cat`): previews are `cat.preview.png`, or with several
    ///     images `cat-1.preview.png`, `cat-2.preview.png`, ….
    ///   - numbered: Whether the job makes several images.
    package init(stem: String, fileExtension: String, numbered: Bool, jobID: String, ownership: OutputOwnership, logger: Logger) {
        self.stem = stem
        self.fileExtension = fileExtension
        self.numbered = numbered
        self.jobID = jobID
        self.ownership = ownership
        self.logger = logger
    }

    /// Whether a file name is a preview's (`cat.preview.png`, `cat-2.preview.webp`).
    package static func isPreview(_ fileName: String) -> Bool {
        SourceName(path: SourceName(path: fileName).stem).fileExtension == "preview"
    }

    /// The preview's path for the image of index `output` (from 0).
    package func path(for output: Int) -> String {
        stem + (numbered ? "-\(output + 1)" : "") + ".preview." + fileExtension
    }

    /// Writes a partial image as the preview of image `output`.
    package func write(_ image: [UInt8], for output: Int) {
        let path = path(for: output)
        guard written.withLock({ $0.contains(path) }) || isFree(path) else {
            logger.debug("A file of the preview's name is someone else's, no preview written", metadata: ["output.path": "\(path)"])
            return
        }
        // Unmarked, a preview would be taken for someone's file and never removed; and an SVG
        // refused for a script is not written under any name.
        let marked: [UInt8]
        do {
            marked = try ImageMetadata([("job", jobID), ("preview", "true")]).embed(into: image)
        } catch {
            logger.debug("Preview not written", metadata: ["output.path": "\(path)", "error": "\(error)"])
            return
        }
        do {
            try ResultWriter.replace(path, with: marked, ownership: ownership)
            written.withLock { _ = $0.insert(path) }
        } catch {
            logger.debug("Preview not written", metadata: ["output.path": "\(path)", "error": "\(error)"])
        }
    }

    /// Removes the previews written, where they are still the job's.
    package func removeAll() {
        for path in written.withLock({ $0 }) where isFree(path) { FileSystem.remove(path) }
        written.withLock { $0.removeAll() }
    }

    /// Whether nothing is at `path`, or only a preview of this job (an earlier attempt's).
    private func isFree(_ path: String) -> Bool {
        guard FileSystem.exists(path) else { return true }
        guard case .success(let bytes) = FileSystem.readRegularFile(path, limit: 64 * 1024 * 1024) else { return false }
        return OutputRecovery.embeddedJob(in: bytes) == jobID
    }
}
