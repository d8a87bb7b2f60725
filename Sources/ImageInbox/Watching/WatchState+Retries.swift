import Logging

extension WatchState {
    /// A file went away: if it was the error note of a source that is still there (`cat.error.txt`
    /// beside `cat.prompt`, `error.txt` in a bundle folder), the source is asked for again. The
    /// runner retries it only if its latest job failed, so the daemon's own removal of a note,
    /// after a job succeeded, asks for nothing.
    ///
    /// A `NAME.waiting.txt` note is not an error note, and a folder that went away with its
    /// notes (a deleted folder, a share that is away) holds no source to ask for.
    mutating func noticeRemovedNote(_ path: String) {
        let name = SourceName(path: path)
        guard name.fileName.lowercased().hasSuffix("error.txt"), !isAway(name.directory),
            let entries = FileSystem.directoryEntries(name.directory)
        else { return }
        for entry in entries {
            let source = name.directory + "/" + entry
            guard scanner.isTrigger(path: source), ErrorReport.path(for: source) == path,
                let identity = FileSystem.identity(of: source), identity.isRegularFile
            else { continue }
            logger.debug("Error note removed, asking for its source again", metadata: ["file.path": "\(source)"])
            retryRequests.append(SettledSource(inbox: inbox(of: source), path: source, identity: identity, isManualRetry: true))
        }
    }

    /// The sources whose error notes were removed since the last call.
    mutating func takeRetryRequests() -> [SettledSource] {
        defer { retryRequests = [] }
        return retryRequests
    }
}
