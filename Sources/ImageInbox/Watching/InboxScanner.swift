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

    /// The trigger files and bundle images at and below `directory`, with their identities.
    ///
    /// - Parameters:
    ///   - removingStaleTemporaryFiles: Also delete temp files a killed run left behind.
    ///   - onFolder: Called for every folder entered (a long scan reports progress with it).
    package func triggers(
        below directory: String,
        removingStaleTemporaryFiles: Bool = false,
        onFolder: () -> Void = {}
    ) -> [(String, FileSystem.Identity)] {
        var found: [(String, FileSystem.Identity)] = []
        var pending = [directory]
        while let folder = pending.popLast() {
            onFolder()
            if removingStaleTemporaryFiles { ResultWriter.removeStaleTemporaryFiles(in: folder) }
            for name in FileSystem.directoryEntries(folder) ?? [] where !ignoreRules.ignores(name: name) {
                let path = folder + "/" + name
                guard let identity = FileSystem.identity(of: path) else { continue }
                if identity.isDirectory {
                    pending.append(path)
                } else if isCandidate(path: path) {
                    found.append((path, identity))
                }
            }
        }
        return found
    }
}
