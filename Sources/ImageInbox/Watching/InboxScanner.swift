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
        return name.fileExtension == "prompt" || EditBundle.isInstruction(path)
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
    /// - Parameter removingStaleTemporaryFiles: Also delete temp files a killed run left behind.
    package func scanFolder(_ directory: String, removingStaleTemporaryFiles: Bool = false) -> FolderScan {
        var scan = FolderScan(wallClockNanoseconds: FileSystem.wallClockNanoseconds())
        for name in FileSystem.directoryEntries(directory) ?? [] {
            let path = directory + "/" + name
            if removingStaleTemporaryFiles && ResultWriter.isTemporaryName(name) {
                FileSystem.remove(path)
                continue
            }
            guard !ignoreRules.ignores(name: name), let identity = FileSystem.identity(of: path) else { continue }
            if identity.isDirectory {
                scan.subfolders.append(path)
            } else if isCandidate(path: path) {
                scan.files.append((path, identity))
            }
        }
        return scan
    }
}
