import Foundation
import Yams

/// The daemon's configuration file, checked before swift-configuration reads it.
///
/// swift-configuration's YAML snapshot expands aliases as it flattens the file, so a file with
/// an alias bomb would take the daemon down at start and at every reload; it goes through
/// ``GuardedYAML`` first.
package enum ConfigurationFile {
    /// The largest configuration file read.
    package static let maximumSize = 1024 * 1024

    /// Checks the file at `path`, if there is one (a missing file is the file provider's business).
    ///
    /// - Throws: ``ImageInboxError`` `invalidConfiguration` naming the file, the line and the fix.
    package static func check(_ path: String) throws(ImageInboxError) {
        // Followed if it is a link: /etc may be managed that way.
        guard let file = FileHandle(forReadingAtPath: path) else { return }
        defer { try? file.close() }
        guard let bytes = try? file.read(upToCount: maximumSize + 1) else { return }
        guard bytes.count <= maximumSize else {
            throw ImageInboxError(
                code: .invalidConfiguration,
                message: "The configuration file '\(path)' is larger than \(maximumSize / 1024) KB; it holds a few settings."
            )
        }
        let document: Node?
        do {
            document = try GuardedYAML.compose(String(decoding: bytes, as: UTF8.self), maximumBytes: maximumSize)
        } catch {
            let place = error.place()
            throw ImageInboxError(code: .invalidConfiguration, message: "The configuration file '\(path)'\(place) \(error.problem).", cause: error)
        }
        guard let document else { return }
        let problems = ConfigurationSchema.problems(in: document)
        guard problems.isEmpty else {
            let listed = problems.map { "- \($0)" }.joined(separator: "\n")
            throw ImageInboxError(
                code: .invalidConfiguration,
                message: "The configuration file '\(path)' has \(problems.count == 1 ? "a setting" : "settings") it can't use:\n\(listed)"
            )
        }
    }
}
