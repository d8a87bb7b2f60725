#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Inotify

/// Puts results next to their source without anyone ever seeing half a file.
///
/// Each image is written to a hidden temp file in the target folder, flushed to disk, then
/// renamed to the first free name: `NAME.png`, `NAME-2.png`, … for one image, `NAME-1.png`,
/// `NAME-2.png`, … for several. A name that is taken is never overwritten, and a crash leaves at
/// most a hidden temp file, which the startup scan clears (``InboxScanner/scanFolder(_:removingStaleTemporaryFiles:)``).
package enum ResultWriter {
    /// The marker in the daemon's temp file names.
    package static let temporaryMarker = ".image-inbox-"

    /// Writes `images` as `stem.ext` (or numbered variants).
    ///
    /// - Parameters:
    ///   - stem: The path of the result without its extension (`/inbox/cat`).
    ///   - fileExtension: `png`, `jpg`, `webp`.
    ///   - numbered: Whether names start at `-1` (several images from one source).
    ///   - ownership: The mode and group each result gets before it takes its name.
    /// - Returns: The paths written, in order.
    /// - Throws: ``ImageInboxError`` `outputFailed` naming the folder and the reason.
    package static func write(
        _ images: [[UInt8]],
        stem: String,
        fileExtension: String,
        numbered: Bool,
        ownership: OutputOwnership = .inherited
    ) throws(ImageInboxError) -> [String] {
        var written: [String] = []
        var index = numbered ? 1 : 0
        for image in images {
            let temporary = temporaryPath(for: stem + "." + fileExtension)
            if case .failure(let error) = FileSystem.writeNewFile(temporary, image, ownership: ownership) {
                throw failure(writing: stem + "." + fileExtension, error.code)
            }
            while true {
                let candidate = index == 0 ? "\(stem).\(fileExtension)" : "\(stem)-\(index).\(fileExtension)"
                index = index == 0 ? 2 : index + 1
                switch FileSystem.renameNoReplace(temporary, candidate) {
                case .success:
                    written.append(candidate)
                case .failure(let error) where error.code == EEXIST && index < 100_000:
                    continue
                case .failure(let error):
                    FileSystem.remove(temporary)
                    throw failure(writing: candidate, error.code)
                }
                break
            }
        }
        if let first = written.first { FileSystem.syncDirectory(directory(of: first)) }
        return written
    }

    /// Writes `bytes` at `path`, replacing what is there (only for files the daemon owns).
    package static func replace(_ path: String, with bytes: [UInt8], ownership: OutputOwnership = .inherited) throws(ImageInboxError) {
        let temporary = temporaryPath(for: path)
        if case .failure(let error) = FileSystem.writeNewFile(temporary, bytes, ownership: ownership) {
            throw failure(writing: path, error.code)
        }
        if case .failure(let error) = FileSystem.rename(temporary, path) {
            FileSystem.remove(temporary)
            throw failure(writing: path, error.code)
        }
    }

    /// Whether a file name is one of the daemon's temp files.
    package static func isTemporaryName(_ name: String) -> Bool {
        // Asked of every inotify event: bytes, not Characters (String.contains(String) is a
        // generic search that cost more than the rest of the event).
        let bytes = name.utf8
        guard bytes.first == UInt8(ascii: "."), bytes.suffix(4).elementsEqual(".tmp".utf8) else { return false }
        let marker = temporaryMarker.utf8
        var start = bytes.startIndex
        while bytes.distance(from: start, to: bytes.endIndex) >= marker.count {
            if bytes[start...].starts(with: marker) { return true }
            start = bytes.index(after: start)
        }
        return false
    }

    /// A short hidden name in the target's folder, not built from the target's name: a
    /// result name near the file system's limit must not make its temp name too long.
    private static func temporaryPath(for path: String) -> String {
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return directory(of: path) + "/" + temporaryMarker + random + ".tmp"
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func failure(writing path: String, _ code: Int32) -> ImageInboxError {
        let remedy: String
        switch code {
        case ENOSPC, EDQUOT: remedy = "The disk is full: free some space."
        case EROFS: remedy = "The folder is read-only: make it writable for the image-inbox service."
        case EACCES, EPERM: remedy = "image-inbox may not write there: give its user write permission on the folder."
        case ENOENT: remedy = "The folder was removed."
        default: remedy = "Check the folder."
        }
        return ImageInboxError(
            code: .outputFailed,
            message: "Can't write '\(path)': \(FileSystem.describe(code)). \(remedy)"
        )
    }
}
