#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import RawFileNames

/// The system calls this module makes, each returning its `errno` as a value.
///
/// Mapping `errno` to ``InotifyError`` happens in one place, in the callers, so that every
/// message names the path and the remedy.
enum Syscall {
    static func inotifyInit() -> Result<Int32, SyscallError> {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        return fd >= 0 ? .success(fd) : .failure(SyscallError(errno))
    }

    static func addWatch(_ fd: Int32, path: String, mask: UInt32) -> Result<Int32, SyscallError> {
        let wd = RawFileName.withCString(path) { inotify_add_watch(fd, $0, mask) }
        return wd >= 0 ? .success(wd) : .failure(SyscallError(errno))
    }

    static func removeWatch(_ fd: Int32, _ wd: Int32) {
        _ = inotify_rm_watch(fd, wd)
    }

    static func pipe() -> Result<(read: Int32, write: Int32), SyscallError> {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0 else { return .failure(SyscallError(errno)) }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        }
        return .success((fds[0], fds[1]))
    }

    /// Waits until `fd` is readable (or, with `priority`, has a priority event, as
    /// `/proc/self/mountinfo` does when a mount comes or goes) or `wake` is readable; returns
    /// true when woken.
    static func waitReadable(_ fd: Int32, orWake wake: Int32, priority: Bool = false) -> Bool {
        var fds = [
            pollfd(fd: fd, events: Int16(priority ? POLLPRI : POLLIN), revents: 0),
            pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            let rc = poll(&fds, 2, -1)
            if rc < 0 && errno == EINTR { continue }
            return rc < 0 || fds[1].revents != 0
        }
    }

    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, SyscallError> {
        let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
        return n >= 0 ? .success(n) : .failure(SyscallError(errno))
    }

    static func write(_ fd: Int32, byte: UInt8) {
        var value = byte
        _ = Glibc.write(fd, &value, 1)
    }

    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// The names of the subdirectories of `path`, not following symbolic links.
    static func subdirectories(of path: String) -> [String] {
        guard let dir = RawFileName.withCString(path, { opendir($0) }) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in RawFileName.decode(raw.prefix(while: { $0 != 0 })) }
            if name == "." || name == ".." { continue }
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_DIR):
                names.append(name)
            case Int32(DT_UNKNOWN):
                var info = stat()
                if RawFileName.withCString(path + "/" + name, { lstat($0, &info) }) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
                    names.append(name)
                }
            default:
                continue
            }
        }
        return names.sorted()
    }

    static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
