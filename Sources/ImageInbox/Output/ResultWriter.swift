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
    /// Every step (temp file, flush, rename, folder flush) goes through one descriptor of the
    /// folder, opened without following a symbolic link: a folder swapped for a link is never
    /// written through, and one renamed away meanwhile keeps its results.
    ///
    /// - Parameters:
    ///   - stem: The path of the result without its extension (`/inbox/cat`).
    ///   - fileExtension: `png`, `jpg`, `webp`, `gif`, `svg`.
    ///   - numbered: Whether names start at `-1` (several images from one source).
    ///   - ownership: The mode and group each result gets before it takes its name.
    ///   - folder: The folder (device and inode) the results must go into, if known: the folder
    ///     the job started in. Another folder at that path now is refused (``isFolderReplaced``).
    /// - Returns: The paths written, in order.
    /// - Throws: ``ImageInboxError`` `outputFailed` naming the folder and the reason.
    package static func write(
        _ images: [[UInt8]],
        stem: String,
        fileExtension: String,
        numbered: Bool,
        ownership: OutputOwnership = .inherited,
        folder expected: FileSystem.Identity? = nil
    ) throws(ImageInboxError) -> [String] {
        let directory = directory(of: stem)
        let stemName = String(stem.dropFirst(directory == "." ? 0 : directory.count + 1))
        let folder = try open(directory, expecting: expected, writing: stem + "." + fileExtension)
        var written: [String] = []
        var index = numbered ? 1 : 0
        for image in images {
            let temporary = temporaryName()
            if case .failure(let error) = folder.writeNewFile(temporary, image, ownership: ownership) {
                throw failure(writing: stem + "." + fileExtension, error.code)
            }
            while true {
                let candidate = index == 0 ? "\(stemName).\(fileExtension)" : "\(stemName)-\(index).\(fileExtension)"
                index = index == 0 ? 2 : index + 1
                switch folder.renameNoReplace(temporary, candidate) {
                case .success:
                    written.append(directory + "/" + candidate)
                case .failure(let error) where error.code == EEXIST && index < 100_000:
                    continue
                case .failure(let error):
                    folder.remove(temporary)
                    throw failure(writing: directory + "/" + candidate, error.code)
                }
                break
            }
        }
        if !written.isEmpty { folder.sync() }
        return written
    }

    /// Writes `bytes` at `path`, replacing what is there (only for files the daemon owns).
    package static func replace(_ path: String, with bytes: [UInt8], ownership: OutputOwnership = .inherited) throws(ImageInboxError) {
        let directory = directory(of: path)
        let name = String(path.dropFirst(directory == "." ? 0 : directory.count + 1))
        let folder = try open(directory, expecting: nil, writing: path)
        let temporary = temporaryName()
        if case .failure(let error) = folder.writeNewFile(temporary, bytes, ownership: ownership) {
            throw failure(writing: path, error.code)
        }
        if case .failure(let error) = folder.rename(temporary, name) {
            folder.remove(temporary)
            throw failure(writing: path, error.code)
        }
    }

    /// Whether a write failed because the folder at the result's path is no longer the folder
    /// the job started in (renamed away and replaced, or swapped for a symbolic link).
    package static func isFolderReplaced(_ error: ImageInboxError) -> Bool {
        error.code == .outputFailed && (error.cause as? SyscallError).map { $0.code == ESTALE || $0.code == ELOOP || $0.code == ENOTDIR } == true
    }

    private static func open(_ directory: String, expecting expected: FileSystem.Identity?, writing path: String) throws(ImageInboxError) -> OpenFolder {
        switch OpenFolder.open(directory, expecting: expected) {
        case .success(let folder): return folder
        case .failure(let error): throw failure(writing: path, error.code)
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

    /// A short hidden name, not built from the target's name: a result name near the file
    /// system's limit must not make its temp name too long.
    private static func temporaryName() -> String {
        temporaryMarker + String(UInt64.random(in: 0...UInt64.max), radix: 36) + ".tmp"
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
        case ELOOP, ENOTDIR: remedy = "The folder is, or goes through, a symbolic link; image-inbox never writes through links."
        case ESTALE: remedy = "The folder was replaced by another while the image was made."
        default: remedy = "Check the folder."
        }
        return ImageInboxError(
            code: .outputFailed,
            message: "Can't write '\(path)': \(code == ESTALE ? "another folder is in its place" : FileSystem.describe(code)). \(remedy)",
            cause: SyscallError(code)
        )
    }
}
