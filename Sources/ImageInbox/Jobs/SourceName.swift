/// The parts of a source file's path: `/inbox/posters/cat.prompt` → folder `/inbox/posters`,
/// file name `cat.prompt`, stem `/inbox/posters/cat`, extension `prompt`.
package struct SourceName: Sendable, Hashable {
    /// The whole path.
    package var path: String

    package init(path: String) {
        self.path = path
    }

    // The separators are ASCII, so they are found in the UTF-8 bytes: searching the String's
    // characters for them (grapheme by grapheme) was a tenth of a large scan's CPU.

    /// The folder holding the file.
    package var directory: String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last path component.
    package var fileName: String {
        path.utf8.lastIndex(of: UInt8(ascii: "/")).map { String(path[path.utf8.index(after: $0)...]) } ?? path
    }

    /// The extension after the last dot, lower-cased (empty when there is none).
    package var fileExtension: String {
        let name = fileName
        guard let dot = name.utf8.lastIndex(of: UInt8(ascii: ".")), dot != name.startIndex else { return "" }
        return name[name.utf8.index(after: dot)...].lowercased()
    }

    /// The path without its extension.
    package var stem: String {
        let name = fileName
        guard let dot = name.utf8.lastIndex(of: UInt8(ascii: ".")), dot != name.startIndex else { return path }
        return String(decoding: path.utf8.dropLast(name.utf8.distance(from: dot, to: name.utf8.endIndex)), as: UTF8.self)
    }

    /// The longest file name most file systems take, in bytes (ext4, xfs, btrfs, SMB, NFS).
    package static let nameLimit = 255

    /// `stem` with its last component cut (at a character boundary) so that it still fits the
    /// name limit with `suffixBytes` bytes after it; unchanged when it fits already.
    package static func fitting(_ stem: String, suffixBytes: Int, limit: Int = nameLimit) -> String {
        let name = SourceName(path: stem)
        let last = name.fileName
        let room = limit - suffixBytes
        guard last.utf8.count > room else { return stem }
        var kept = ""
        var bytes = 0
        for character in last {
            let size = character.utf8.count
            guard bytes + size <= room else { break }
            kept.append(character)
            bytes += size
        }
        return stem.contains("/") ? (name.directory == "/" ? "/" : name.directory + "/") + kept : kept
    }
}
