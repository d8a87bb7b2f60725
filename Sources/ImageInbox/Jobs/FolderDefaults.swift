import Foundation
import Inotify
import Yams

/// A folder's own settings: `image-inbox.yaml` in any folder of an inbox sets, for that folder and
/// everything below it, default parameters (a "posters-hq" folder that always renders 1024x1536
/// at high quality), a `prompt_template`, named `presets`, and `locked` values.
package enum FolderDefaults {
    /// The file name holding a folder's defaults.
    package static let fileName = "image-inbox.yaml"
    /// The largest defaults file read.
    static let maximumFileSize = 64 * 1024
    /// The keys besides the image parameters.
    static let styleKeys: Set<String> = ["prompt_template", "presets", "locked", "max_usd_per_day"]

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

    /// One defaults file as found.
    enum Contents: Sendable {
        /// There is none (or it went since it was seen).
        case absent
        /// What it sets.
        case style(FolderStyle)
        /// It is there but cannot be read: its folder's jobs wait rather than run without it.
        case unreadable(UnreadableFolderDefaults.Reason)
    }

    /// What one defaults file sets, or why it cannot be read.
    ///
    /// - Parameter size: The file's size from its `lstat`, for the message about a large one.
    /// - Throws: ``ImageInboxError`` `invalidParameter` naming the file (and the line) when it is wrong.
    static func read(_ path: String, size: Int64) throws(ImageInboxError) -> Contents {
        switch FileSystem.readRegularFile(path, limit: maximumFileSize) {
        case .success(let bytes): return .style(try style(parsing: bytes, path: path))
        case .failure(let error):
            guard let reason = UnreadableFolderDefaults.Reason(code: error.code, size: size) else { return .absent }
            return .unreadable(reason)
        }
    }

    private static func style(parsing bytes: [UInt8], path: String) throws(ImageInboxError) -> FolderStyle {
        let document: Node?
        do {
            document = try GuardedYAML.compose(String(decoding: bytes, as: UTF8.self), maximumBytes: maximumFileSize)
        } catch {
            let place = error.place()
            throw ImageInboxError(
                code: .invalidParameter,
                message: "The folder defaults file '\(path)'\(place) \(error.problem). Ask the share's admin to fix it.",
                cause: error
            )
        }
        guard let document else { return FolderStyle() }
        let origin = "folder defaults '\(path)'"
        let mapping = try Self.mapping(document, what: "The folder defaults file", origin: origin)
        var style = FolderStyle(
            defaults: try ImageParameters(mapping: mapping, origin: origin, extraKeys: styleKeys, keyLines: GuardedYAML.keyLines(of: document))
        )
        style.promptTemplate = try template(mapping["prompt_template"], origin: origin)
        switch mapping["max_usd_per_day"] {
        case nil: break
        case let usd as Double where usd > 0: style.budgets = [FolderBudget(folder: SourceName(path: path).directory, usd: usd)]
        case let usd as Int where usd > 0: style.budgets = [FolderBudget(folder: SourceName(path: path).directory, usd: Double(usd))]
        default:
            throw ImageInboxError(code: .invalidParameter, message: "max_usd_per_day in the \(origin) must be a positive number of dollars, such as 'max_usd_per_day: 5'.")
        }
        if let locked = document["locked"] {
            let lockedOrigin = "locked: of the \(origin)"
            let lockedMapping = try Self.mapping(locked, what: "locked:", origin: origin)
            style.locked = try ImageParameters(
                mapping: lockedMapping, origin: lockedOrigin, extraKeys: ["prompt_template"], keyLines: GuardedYAML.keyLines(of: locked)
            )
            style.lockedPromptTemplate = try template(lockedMapping["prompt_template"], origin: lockedOrigin)
        }
        if let presets = document["presets"] {
            guard case .mapping(let byName) = presets else {
                throw ImageInboxError(code: .invalidParameter, message: "presets: in the \(origin) must map names to settings, such as 'poster: {size: 1024x1536}'.")
            }
            for (key, node) in byName {
                guard let name = key.string, !name.isEmpty else { continue }
                let presetOrigin = "preset '\(name)' of the \(origin)"
                let settings = try Self.mapping(node, what: "The preset '\(name)'", origin: origin)
                style.presets[name] = FolderStyle.Preset(
                    parameters: try ImageParameters(mapping: settings, origin: presetOrigin, extraKeys: ["prompt_template"], keyLines: GuardedYAML.keyLines(of: node)),
                    promptTemplate: try template(settings["prompt_template"], origin: presetOrigin)
                )
            }
        }
        return style
    }

    /// A node's mapping; an empty node (`locked:` with nothing after it) is an empty mapping.
    private static func mapping(_ node: Node, what: String, origin: String) throws(ImageInboxError) -> [String: Any] {
        if case .scalar(let scalar) = node, scalar.string.isEmpty || scalar.string == "~" { return [:] }
        guard case .mapping = node, let mapping = node.any as? [String: Any] else {
            throw ImageInboxError(
                code: .invalidParameter,
                message: "\(what) in the \(origin)\(node.mark.map { " (line \($0.line))" } ?? "") must be 'key: value' lines."
            )
        }
        return mapping
    }

    private static func template(_ value: Any?, origin: String) throws(ImageInboxError) -> PromptTemplate? {
        switch value {
        case nil: return nil
        case let text as String: return try PromptTemplate(text, origin: origin)
        default: throw ImageInboxError(code: .invalidParameter, message: "prompt_template in the \(origin) must be text, such as \"{prompt}. Flat vector illustration.\"")
        }
    }
}
