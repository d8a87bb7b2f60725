import Synchronization

/// Whether each inbox's folder is there.
///
/// A share that goes away (an automount blip, an NFS server reboot, an unplugged disk) leaves
/// its mount point empty or gone: its files are not deleted, and their jobs must be held, not
/// cancelled, until it comes back. An inbox is there when its folder is a directory that is a
/// mount point, or on the device it was on when it was first seen; so an unmounted share (its
/// mount point now a plain folder of the parent file system) is away, and a remounted one (a
/// new device number, as NFS gives) is back.
///
/// The watcher registers each inbox and announces returns; the runner asks before it reads a
/// source or gives up on a result, and delivers what waited when it hears of a return.
package final class InboxAvailability: Sendable {
    /// What an inbox's folder was when it was registered.
    private struct Root: Sendable {
        var device: UInt64
        var isMountPoint: Bool
    }

    private let roots = Mutex<[String: Root?]>([:])
    /// The inboxes that came back, as they do.
    package let returns: AsyncStream<String>
    private let returned: AsyncStream<String>.Continuation

    package init() {
        (returns, returned) = AsyncStream.makeStream(of: String.self)
    }

    /// Records what `inbox`'s folder is now (a folder not there now is taken as there once it is
    /// a directory).
    package func register(_ inbox: String) {
        let root = Self.root(of: inbox)
        roots.withLock { $0[inbox] = .some(root) }
    }

    /// Whether `inbox` is there now (asked of the file system, not remembered). An inbox never
    /// registered is taken as there.
    package func isAvailable(_ inbox: String) -> Bool {
        guard let entry = roots.withLock({ $0[inbox] }) else { return true }
        guard let current = Self.root(of: inbox) else { return false }
        guard let registered = entry else { return true }
        return current.isMountPoint || current.device == registered.device
    }

    /// Tells the runner that `inbox` is back.
    package func announceReturn(_ inbox: String) {
        returned.yield(inbox)
    }

    /// The folder's device and whether it is a mount point, nil when it is not a directory.
    private static func root(of path: String) -> Root? {
        // "/." and "/.." follow a symbolic link to the real folder and its real parent.
        guard let folder = FileSystem.identity(of: path + "/."), folder.isDirectory,
            let parent = FileSystem.identity(of: path + "/..")
        else { return nil }
        return Root(device: folder.device, isMountPoint: folder.device != parent.device || folder.inode == parent.inode)
    }
}
