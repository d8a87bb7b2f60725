/// The parts of a source file's path: `/inbox/posters/cat.prompt` → folder `/inbox/posters`,
/// file name `cat.prompt`, stem `/inbox/posters/cat`, extension `prompt`.
package struct SourceName: Sendable, Hashable {
    /// The whole path.
    package var path: String

    package init(path: String) {
        self.path = path
    }

    /// The folder holding the file.
    package var directory: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last path component.
    package var fileName: String {
        path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
    }

    /// The extension after the last dot, lower-cased (empty when there is none).
    package var fileExtension: String {
        let name = fileName
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }

    /// The path without its extension.
    package var stem: String {
        let name = fileName
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return path }
        return String(path.dropLast(name.distance(from: dot, to: name.endIndex)))
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
