import Synchronization

/// The folders (the inboxes) beneath which every path the daemon opens is resolved without
/// following a symbolic link and without leaving the folder.
///
/// Anyone who can write to a share can leave a symbolic link in it, or swap a folder for one
/// while a job of that folder is in flight; the daemon reads and writes with more rights than
/// they have. So ``FileSystem`` opens a path inside a confined folder relative to that folder
/// (`openat2` with `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`): a link anywhere on the way is
/// refused like a missing file (`ELOOP`), a `..` that would leave it with `EXDEV`. The folder
/// itself is the administrator's choice and may be reached through links.
package enum ConfinedRoots {
    /// Longest first, so that an inbox inside another confines to the inner one.
    private static let roots = Mutex<[String]>([])

    /// Confines every path beneath `root` from now on (for the life of the process).
    package static func confine(_ root: String) {
        let root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        roots.withLock { roots in
            guard !roots.contains(root) else { return }
            roots.append(root)
            roots.sort { $0.utf8.count > $1.utf8.count }
        }
    }

    /// The confined folder `path` is strictly beneath, and the path relative to it.
    package static func split(_ path: String) -> (root: String, relative: Substring)? {
        roots.withLock { roots in
            for root in roots where path.utf8.count > root.utf8.count + 1 && path.hasPrefix(root) {
                let slash = path.utf8.index(path.startIndex, offsetBy: root.utf8.count)
                guard path.utf8[slash] == UInt8(ascii: "/") else { continue }
                let relative = path[path.utf8.index(after: slash)...]
                // "root/." and "root/.." name the folder itself and its parent, which are the
                // administrator's (the availability check stats both).
                return relative.isEmpty || relative == "." || relative == ".." ? nil : (root, relative)
            }
            return nil
        }
    }
}
