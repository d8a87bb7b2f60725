#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The mode and group of what the daemon writes on a share (results, error and waiting notes),
/// set on the hidden temp file before it is renamed into place, so that the final name never
/// appears with the wrong owner.
///
/// Unset, a file gets 0664 less the daemon's umask, and its group from the folder when the
/// folder is setgid (the kernel's rule), else the daemon's. A mode or group that cannot be set
/// (a share that ignores ownership, a group the daemon's user is not in) leaves the file as it
/// would be without it, and `refused` says so: a paid image is never lost over its group.
package struct OutputOwnership: Sendable {
    /// The permission bits (`output.mode`, e.g. 0o664), exactly, whatever the umask.
    package var mode: UInt32?
    /// The group id (`output.group`).
    package var group: UInt32?
    /// Told of a file whose mode or group could not be set, with the `errno`.
    package var refused: @Sendable (_ path: String, _ code: Int32) -> Void

    package init(mode: UInt32? = nil, group: UInt32? = nil, refused: @escaping @Sendable (String, Int32) -> Void = { _, _ in }) {
        self.mode = mode
        self.group = group
        self.refused = refused
    }

    /// Files as the kernel makes them.
    package static let inherited = OutputOwnership()

    /// Sets the group, then the mode, on the open file `fd` (at `path`, for `refused`).
    func apply(to fd: Int32, path: String) {
        // The owner stays (-1): only root could change it, and the daemon's user should own its files.
        if let group, fchown(fd, uid_t.max, gid_t(group)) != 0 { refused(path, errno) }
        if let mode, fchmod(fd, mode_t(mode)) != 0 { refused(path, errno) }
    }

    /// Parses `output.mode`: octal permission bits as written (`"0664"`, `"664"`, `"0o664"`, or
    /// a YAML number whose digits are those); nil when it is not 3 or 4 octal digits up to 0777.
    package static func mode(from text: String) -> UInt32? {
        var digits = Substring(text)
        if digits.hasPrefix("0o") { digits = digits.dropFirst(2) }
        guard (3...4).contains(digits.count), let value = UInt32(digits, radix: 8), value <= 0o777 else { return nil }
        return value
    }

    /// Finds `output.group`: a group name, or a numeric id; nil when there is no such group.
    package static func group(named name: String) -> UInt32? {
        if let id = UInt32(name) { return id }
        var entry = Glibc.group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getgrnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return entry.gr_gid
    }
}
