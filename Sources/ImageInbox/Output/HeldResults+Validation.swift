extension HeldResults.Entry {
    /// Why this entry, read from the folder `folderName`, must not be acted on; nil when it may.
    ///
    /// The state directory is the daemon's alone, but an entry is a file that names paths to
    /// write and a folder to delete: it is checked as if anyone could have written it. The job id
    /// must be the folder's own name, of letters, digits and dashes; the extension an image's;
    /// the result and its source beneath the entry's inbox, which must be one being watched, with
    /// no `..` and no control character on the way.
    package func problem(inFolder folderName: String) -> String? {
        guard jobID == folderName, !jobID.isEmpty, jobID.utf8.count <= 64,
            jobID.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D })
        else { return "its job id is not its folder's name" }
        guard ["png", "jpg", "jpeg", "webp", "gif", "svg"].contains(fileExtension) else { return "'\(fileExtension)' is not an image's extension" }
        guard (1...1000).contains(count) else { return "it holds \(count) images" }
        guard let root = ConfinedRoots.split(stem)?.root, root == inbox, ConfinedRoots.split(sourcePath)?.root == inbox else {
            return "its result is not beneath an inbox being watched"
        }
        for path in [stem, sourcePath] {
            let components = path.split(separator: "/")
            guard !components.contains(".."), !components.contains("."), !path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
                return "its paths leave their folder"
            }
        }
        return nil
    }
}
