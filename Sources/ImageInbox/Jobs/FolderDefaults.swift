import Foundation
import Yams

/// A folder's own defaults: `image-inbox.yaml` in any folder of an inbox sets parameters for that
/// folder and everything below it, so that a share admin can make a "posters-hq" folder that
/// always renders 1024x1536 at high quality.
package enum FolderDefaults {
    /// The file name holding a folder's defaults.
    package static let fileName = "image-inbox.yaml"

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
            guard case .success(let bytes) = FileSystem.readRegularFile(path, limit: 64 * 1024) else { continue }
            let mapping: [String: Any]
            do {
                mapping = try (Yams.load(yaml: String(decoding: bytes, as: UTF8.self)) as? [String: Any]) ?? [:]
            } catch {
                throw ImageInboxError(
                    code: .invalidParameter,
                    message: "The folder defaults in '\(path)' are not valid YAML (\(error)). Ask the share's admin to fix it.",
                    cause: error
                )
            }
            result = result.layered(over: try ImageParameters(mapping: mapping, origin: "folder defaults '\(path)'"))
        }
        return result
    }
}
