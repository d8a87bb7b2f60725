/// A source file that has finished arriving and may be a job.
package struct SettledSource: Sendable, Equatable {
    /// The inbox the file is in (its configured root).
    package var inbox: String
    /// The file's absolute path.
    package var path: String
    /// Its identity when it settled.
    package var identity: FileSystem.Identity

    package init(inbox: String, path: String, identity: FileSystem.Identity) {
        self.inbox = inbox
        self.path = path
        self.identity = identity
    }
}
