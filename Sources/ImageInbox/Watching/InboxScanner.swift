/// Walks an inbox and lists the files that can start a job.
///
/// Ignored names are skipped (and ignored folders not entered), symbolic links are never
/// followed, and the daemon's stale temp files are removed on the way when asked.
package struct InboxScanner: Sendable {
    /// The names never looked at.
    package var ignoreRules: IgnoreRules

    package init(ignoreRules: IgnoreRules) {
        self.ignoreRules = ignoreRules
    }

    /// Whether a file is a trigger: a `.prompt` (any case) or an edit bundle's instruction file,
    /// not ignored.
    package func isTrigger(path: String) -> Bool {
        let name = SourceName(path: path)
        guard !ignoreRules.ignores(name: name.fileName) else { return false }
        return name.fileExtension == "prompt" || BatchDocument.isBatch(path) || EditBundle.isInstruction(path)
    }

    /// Whether a file is watched to settle: a trigger, or an image of an edit bundle (images
    /// alone never start anything, but a bundle waits for its images to settle).
    package func isCandidate(path: String) -> Bool {
        isTrigger(path: path)
            || (!ignoreRules.ignores(name: SourceName(path: path).fileName) && EditBundle.instruction(forPart: path) != nil)
    }

    /// What one folder holds: its candidate files with their identities, and its subfolders.
    package struct FolderScan: Sendable {
        /// Triggers and bundle images, with their identities.
        package var files: [(path: String, identity: FileSystem.Identity)] = []
        /// The folders to scan next (ignored ones left out).
        package var subfolders: [String] = []
        /// The wall clock when the folder was read, in nanoseconds since 1970, to compare with mtimes.
        package var wallClockNanoseconds: Int64 = 0
    }

    /// Reads one folder (blocking: call it off Swift's cooperative pool).
    ///
    /// Only candidates are stat'ed: the directory entry's type tells folders from files, and
    /// whether an image belongs to a bundle is decided from its siblings' names, so a folder of
    /// finished results costs one `readdir`.
    ///
    /// - Parameter removingStaleTemporaryFiles: Also delete temp files a killed run left behind.
    package func scanFolder(_ directory: String, removingStaleTemporaryFiles: Bool = false) -> FolderScan {
        var scan = FolderScan(wallClockNanoseconds: FileSystem.wallClockNanoseconds())
        let inBundleFolder = EditBundle.isBundleFolder(directory)
        FileSystem.withDirectory(directory) { entries, identityOf in
            let siblings = Set(entries.map(\.name))
            for entry in entries {
                let path = directory + "/" + entry.name
                if removingStaleTemporaryFiles && ResultWriter.isTemporaryName(entry.name) {
                    FileSystem.remove(path)
                    continue
                }
                guard !ignoreRules.ignores(name: entry.name) else { continue }
                if entry.kind == .directory {
                    scan.subfolders.append(path)
                    continue
                }
                // Judged once per name; an entry of unknown kind is stat'ed first, as it may be a folder.
                let mayBeCandidate = Self.mayBeCandidate(entry.name, inBundleFolder: inBundleFolder, siblings: siblings)
                guard entry.kind == .unknown || mayBeCandidate, let identity = identityOf(entry.name) else { continue }
                if identity.isDirectory {
                    scan.subfolders.append(path)
                } else if mayBeCandidate {
                    scan.files.append((path, identity))
                }
            }
        }
        // Folders are scanned in name order; files need none here, as they settle in path order.
        scan.subfolders.sort { FileSystem.precedesInBytes($0, $1) }
        return scan
    }

    /// Whether a file named `name` may be a trigger or a bundle image, judged from the names
    /// beside it; a false positive only costs a settle wait, as ``isCandidate(path:)`` decides
    /// again when it settles.
    static func mayBeCandidate(_ name: String, inBundleFolder: Bool, siblings: Set<String>) -> Bool {
        let source = SourceName(path: name)
        let fileExtension = source.fileExtension
        if fileExtension == "prompt" || fileExtension == "edit" || BatchDocument.extensions.contains(fileExtension) { return true }
        if inBundleFolder && EditBundle.instructionNames.contains(name.lowercased()) { return true }
        guard EditBundle.imageExtensions.contains(fileExtension) else { return false }
        if inBundleFolder {
            return !EditBundle.isResult(name) && EditBundle.instructionNames.contains(where: siblings.contains)
        }
        var stem = source.stem
        if stem.lowercased().hasSuffix(".mask") { stem = String(stem.dropLast(5)) }
        return siblings.contains(stem + ".edit")
    }
}
