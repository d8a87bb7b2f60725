import Synchronization

/// Whether each inbox's folder, and each mount inside it, is there.
///
/// A share that goes away (an automount blip, an NFS server reboot, an unplugged disk) leaves
/// its mount point empty or gone: its files are not deleted, and their jobs must be held, not
/// cancelled, until it comes back. A folder is there when it is a directory that is a mount
/// point, or on the device it was on when it was first seen; so an unmounted share (its mount
/// point now a plain folder of the parent file system) is away, and a remounted one (a new
/// device number, as NFS gives) is back. The mounts inside an inbox (from `/proc/self/mountinfo`)
/// are folders of their own: one unmounted is away while the rest of the inbox is not.
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
    private let nested = Mutex<[String: [String]]>([:])
    /// The folders (inboxes, mounts inside them) found there: each inbox once it is first seen,
    /// and any folder that comes back after it was away.
    package let returns: AsyncStream<String>
    private let returned: AsyncStream<String>.Continuation
    /// The folders the runner found away before the watcher did (a bind mount taken away sends
    /// no inotify event), for the watcher.
    package let sightings: AsyncStream<String>
    private let sighted: AsyncStream<String>.Continuation

    package init() {
        (returns, returned) = AsyncStream.makeStream(of: String.self)
        (sightings, sighted) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(64))
    }

    /// Records what `inbox`'s folder is now, and the mounts inside it (a folder not there now is
    /// taken as there once it is a directory).
    package func register(_ inbox: String) {
        let root = Self.root(of: inbox)
        let mounts = MountTable.current().mountPoints(below: inbox)
        let mountRoots = mounts.map { Self.root(of: $0) }
        roots.withLock { roots in
            roots[inbox] = .some(root)
            for (mount, mountRoot) in zip(mounts, mountRoots) { roots[mount] = .some(mountRoot) }
        }
        nested.withLock { $0[inbox] = mounts }
    }

    /// Whether `folder` is there, registering it (and, for an inbox, the mounts inside it) the
    /// first time; for polled folders, asked off the watcher's loop.
    package func probe(_ folder: String) -> Bool {
        if roots.withLock({ $0[folder] == nil }) { register(folder) }
        return isAvailable(folder)
    }

    /// The mount points inside `inbox` seen when it was registered.
    package func mountPoints(in inbox: String) -> [String] {
        nested.withLock { $0[inbox] ?? [] }
    }

    /// Whether the registered folder `folder` (an inbox or a mount inside one) is there now
    /// (asked of the file system, not remembered). A folder never registered is taken as there.
    package func isAvailable(_ folder: String) -> Bool {
        guard let entry = roots.withLock({ $0[folder] }) else { return true }
        guard let current = Self.root(of: folder) else { return false }
        guard let registered = entry else { return true }
        return current.isMountPoint || current.device == registered.device
    }

    /// The folder that is away for `path` in `inbox` (the inbox, or the mount inside it that
    /// `path` is on), or nil when it is there; one found away is reported on ``sightings``.
    package func awayFolder(of path: String, in inbox: String) -> String? {
        let away = isAvailable(inbox) ? mountPoints(in: inbox).filter { path.hasPrefix($0 + "/") }.first { !isAvailable($0) } : inbox
        if let away { sighted.yield(away) }
        return away
    }

    /// Tells the runner that `folder` is there (first seen, or back).
    package func announceReturn(_ folder: String) {
        returned.yield(folder)
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
