import Foundation
import Yams

/// A folder's own defaults: `image-inbox.yaml` in any folder of an inbox sets parameters for that
/// folder and everything below it, so that a share admin can make a "posters-hq" folder that
/// always renders 1024x1536 at high quality.
package enum FolderDefaults {
    /// The file name holding a folder's defaults.
    package static let fileName = "image-inbox.yaml"
    /// The largest defaults file read.
    static let maximumFileSize = 64 * 1024

    /// The folders whose defaults apply to files in `directory`: it and each one above it up to
    /// the inbox root, deepest first.
    static func folders(from directory: String, inbox: String) -> [String] {
        var folders = [directory]
        var current = directory
        while current.count > inbox.count, current.hasPrefix(inbox + "/") {
            current = SourceName(path: current).directory
            folders.append(current)
        }
        return folders
    }

    /// The parameters one defaults file sets, or nil when it cannot be read as a regular file.
    ///
    /// - Throws: ``ImageInboxError`` `invalidParameter` naming the file when it is wrong.
    static func read(_ path: String) throws(ImageInboxError) -> ImageParameters? {
        guard case .success(let bytes) = FileSystem.readRegularFile(path, limit: maximumFileSize) else { return nil }
        let mapping: [String: Any]
        let keyLines: [String: Int]
        do {
            let document = try GuardedYAML.compose(String(decoding: bytes, as: UTF8.self), maximumBytes: maximumFileSize)
            mapping = document?.any as? [String: Any] ?? [:]
            keyLines = document.map(GuardedYAML.keyLines(of:)) ?? [:]
        } catch {
            let place = error.place()
            throw ImageInboxError(
                code: .invalidParameter,
                message: "The folder defaults file '\(path)'\(place) \(error.problem). Ask the share's admin to fix it.",
                cause: error
            )
        }
        return try ImageParameters(mapping: mapping, origin: "folder defaults '\(path)'", keyLines: keyLines)
    }
}
