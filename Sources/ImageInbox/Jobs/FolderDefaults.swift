import Foundation

/// A folder's own defaults: `image-inbox.yaml` in any folder of an inbox sets parameters for that
/// folder and everything below it, so that a share admin can make a "posters-hq" folder that
/// always renders 1024x1536 at high quality.
package enum FolderDefaults {
    /// The file name holding a folder's defaults.
    package static let fileName = "image-inbox.yaml"
    /// The largest defaults file read.
    static let maximumFileSize = 64 * 1024

    /// The defaults that apply to files in `directory`: every `image-inbox.yaml` from the inbox
    /// root down to `directory`, deeper folders winning.
    ///
    /// - Throws: ``ImageInboxError`` `invalidParameter` naming the defaults file that is wrong.
    package static func parameters(for directory: String, inbox: String) throws(ImageInboxError) -> ImageParameters {
        var folders = [directory]
        var current = directory
        while current.count > inbox.count, current.hasPrefix(inbox + "/") {
            current = SourceName(path: current).directory
            folders.append(current)
        }
        var result = ImageParameters()
        for folder in folders {
            let path = folder + "/" + fileName
            guard case .success(let bytes) = FileSystem.readRegularFile(path, limit: maximumFileSize) else { continue }
            let mapping: [String: Any]
            do {
                mapping = try (GuardedYAML.load(String(decoding: bytes, as: UTF8.self), maximumBytes: maximumFileSize) as? [String: Any]) ?? [:]
            } catch {
                let place = error.place()
                throw ImageInboxError(
                    code: .invalidParameter,
                    message: "The folder defaults file '\(path)'\(place) \(error.problem). Ask the share's admin to fix it.",
                    cause: error
                )
            }
            result = result.layered(over: try ImageParameters(mapping: mapping, origin: "folder defaults '\(path)'"))
        }
        return result
    }
}
