import Inotify
import Logging

extension WatchState {
    /// Takes in the mounts below an inotify-watched `inbox`: a network or FUSE file system there
    /// is polled (inotify does not see other machines' writes), a local one watched anew (a
    /// watch on the folder it covers sees nothing of it). With `scanning`, each new mount is
    /// scanned, as one that appeared while the daemon ran may already hold files.
    mutating func noticeMounts(inside inbox: String, table: MountTable, now: C.Instant, scanning: Bool) {
        guard configuration.mode != .poll else { return }
        for mount in table.mounts where mount.mountPoint.hasPrefix(inbox + "/") && !mountsInside.contains(mount.mountPoint) {
            mountsInside.insert(mount.mountPoint)
            if configuration.mode == .auto, let type = WatchMode.remoteType(mount.type) {
                polledMounts[mount.mountPoint] = mount
                if !isPolled(mount.mountPoint) { polled.append(mount.mountPoint) }
                nextPoll = nextPoll ?? now.advanced(by: configuration.pollInterval)
                logger.info(
                    "Mount inside an inbox is polled",
                    metadata: ["inbox": "\(inbox)", "mount": "\(mount.mountPoint)", "watch.reason": "\(type) file system: inotify does not see other machines' writes there"]
                )
            } else if let source = eventSource {
                for case .unwatched(let directory, let error) in source.watchTree(mount.mountPoint) { pollInstead(directory, error, now: now) }
                logger.info("Mount inside an inbox is watched", metadata: ["inbox": "\(inbox)", "mount": "\(mount.mountPoint)", "mount.type": "\(mount.type)"])
            }
            if scanning { scan([mount.mountPoint], kind: "mount", cleaning: false, now: now) }
        }
    }

    /// The mount table changed: mounts that appeared below the inotify-watched inboxes are taken
    /// in, and the folders of those that went away are watched again as they are now.
    mutating func mountsChanged(now: C.Instant) {
        let table = MountTable.current()
        let present = Set(table.mounts.map(\.mountPoint))
        for gone in mountsInside.subtracting(present).sorted() {
            mountsInside.remove(gone)
            if polledMounts.removeValue(forKey: gone) != nil { polled.removeAll { $0 == gone } }
            logger.info("Mount inside an inbox went away, its folder is watched again", metadata: ["mount": "\(gone)"])
            if let source = eventSource, FileSystem.identity(of: gone)?.isDirectory == true {
                for case .unwatched(let directory, let error) in source.watchTree(gone) { pollInstead(directory, error, now: now) }
                scan([gone], kind: "mount", cleaning: false, now: now)
            }
        }
        for inbox in watchedInboxes where !isPolled(inbox) && away[inbox] == nil {
            noticeMounts(inside: inbox, table: table, now: now, scanning: true)
        }
    }

    /// The polled mounts inside inboxes, for `STATUS=` and `status`, by mount point.
    var pollingMounts: [MountTable.Mount] { polledMounts.values.sorted { $0.mountPoint < $1.mountPoint } }
}
