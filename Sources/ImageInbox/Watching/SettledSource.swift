/// A source file that has finished arriving and may be a job.
package struct SettledSource: Sendable, Equatable {
    /// The inbox the file is in (its configured root).
    package var inbox: String
    /// The file's absolute path.
    package var path: String
    /// Its identity when it settled.
    package var identity: FileSystem.Identity
    /// What the runner read when it took the file in, so that its job need not read it again.
    package var content: Content?
    /// Someone deleted the error note of this source's failed job: it is to be tried once more.
    package var isManualRetry: Bool
    /// The entry of a batch file this job is for (from 1); nil for the file itself.
    package var entry: Int?
    /// The folder the file was in when its job started (device and inode): its results go into
    /// that folder or are held, never into another folder put at the same path meanwhile.
    package var folder: FileSystem.Identity?

    /// What the queue tells jobs apart by: the path, and a batch entry's number.
    package var queueKey: String {
        entry.map { path + "\u{0}\($0)" } ?? path
    }

    /// A source's bytes and hash as read at intake.
    package struct Content: Sendable, Equatable {
        /// The bytes, kept only when small (larger files are read again when their job runs).
        package var bytes: [UInt8]?
        /// The content hash of the bytes.
        package var hash: String
    }

    package init(inbox: String, path: String, identity: FileSystem.Identity, content: Content? = nil, isManualRetry: Bool = false) {
        self.inbox = inbox
        self.path = path
        self.identity = identity
        self.content = content
        self.isManualRetry = isManualRetry
        self.entry = nil
    }
}
