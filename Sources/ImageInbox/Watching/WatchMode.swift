import Foundation

/// How an inbox is watched.
package enum WatchMode: String, Sendable, Codable, CaseIterable {
    /// inotify, except on file systems where it cannot see other machines' writes.
    case auto
    /// Always inotify.
    case inotify
    /// Always polling.
    case poll

    /// The mode actually used for `directory`, with the reason, for the log and `check`.
    package func effectiveMode(for directory: String) -> (mode: WatchMode, reason: String) {
        switch self {
        case .inotify: return (.inotify, "configured")
        case .poll: return (.poll, "configured")
        case .auto:
            if let type = Self.remoteFileSystemType(of: directory) {
                return (.poll, "\(type) file system: inotify does not see other machines' writes there")
            }
            return (.inotify, "local file system")
        }
    }

    /// The type of the network or FUSE file system `path` is on, or nil when it is local.
    ///
    /// Read from `/proc/self/mountinfo`: the mount with the longest mount point that contains `path`.
    package static func remoteFileSystemType(of path: String) -> String? {
        MountTable.current().mount(containing: path).flatMap { remoteType($0.type) }
    }

    /// `type` when it is a network or FUSE file system type, where inotify does not see other
    /// machines' writes; nil for a local one.
    package static func remoteType(_ type: String) -> String? {
        let remote = ["nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "ceph", "glusterfs", "afs", "sshfs"]
        return remote.contains(type) || type.hasPrefix("fuse") ? type : nil
    }
}
