#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
// In release builds Swift attributes the C `stat` struct to CDispatch (see FileSystem.swift).
private import CDispatch
import Foundation

/// Which process holds a `flock`, from the kernel's `/proc/locks`, for a refusal that names it.
enum LockHolder {
    /// A process as `/proc` shows it.
    struct Process: Equatable {
        var pid: Int32
        var command: String
        var user: String
    }

    /// The process holding a lock on the file with this inode and device, if it is on this host
    /// and in this PID namespace.
    static func process(holdingInode inode: UInt64, device: UInt64) -> Process? {
        guard let locks = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return nil }
        let major = (device >> 8) & 0xFFF | (device >> 32) & ~0xFFF
        let minor = device & 0xFF | (device >> 12) & ~0xFF
        for line in locks.split(separator: "\n") {
            // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1] == "FLOCK", let pid = Int32(fields[4]) else { continue }
            let file = fields[5].split(separator: ":")
            guard file.count == 3, UInt64(file[0], radix: 16) == major, UInt64(file[1], radix: 16) == minor, UInt64(file[2]) == inode else { continue }
            let command = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
            var info = stat()
            let user = stat("/proc/\(pid)", &info) == 0 ? userName(UInt32(info.st_uid)) : "unknown"
            return Process(pid: pid, command: command, user: user)
        }
        return nil
    }

    /// A user's name, or their id when it has none.
    static func userName(_ uid: UInt32) -> String {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getpwuid_r(uid_t(uid), &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name else { return String(uid) }
        return String(cString: name)
    }
}
