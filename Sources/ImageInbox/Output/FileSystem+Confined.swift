#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
// In release builds Swift attributes the C `stat` struct to CDispatch (see FileSystem.swift).
private import CDispatch
import CRename
import Inotify
import RawFileNames
import Synchronization

extension FileSystem {
    /// Opens `path` as `open(2)` would, except beneath a confined folder (``ConfinedRoots``):
    /// there it is resolved from that folder and no component may be a symbolic link.
    ///
    /// - Returns: A descriptor, or -1 with `errno` set (`ELOOP`: a link on the way; `EXDEV`: the
    ///   path leaves the folder).
    static func openConfined(_ path: String, _ flags: Int32, mode: UInt32 = 0) -> Int32 {
        guard let (root, relative) = ConfinedRoots.split(path) else {
            return RawFileName.withCString(path) { open($0, flags, mode_t(mode)) }
        }
        let rootDescriptor = RawFileName.withCString(root) { open($0, IMAGE_INBOX_O_PATH | O_DIRECTORY | O_CLOEXEC) }
        guard rootDescriptor >= 0 else { return -1 }
        defer { closePreservingErrno(rootDescriptor) }
        return openBeneath(rootDescriptor, relative, flags, mode: mode)
    }

    /// Opens `path` as ``openConfined(_:_:mode:)`` does and returns the descriptor with what it
    /// opened, if `refusal` finds nothing wrong with that (its `errno`); closed on every failure.
    static func openIdentified(
        _ path: String,
        _ flags: Int32,
        refusing refusal: (Identity) -> Int32?
    ) -> Result<(descriptor: Int32, identity: Identity), SyscallError> {
        let descriptor = openConfined(path, flags)
        guard descriptor >= 0 else { return .failure(SyscallError(errno)) }
        guard let identity = identity(ofDescriptor: descriptor) else {
            let code = errno
            close(descriptor)
            return .failure(SyscallError(code))
        }
        if let code = refusal(identity) {
            close(descriptor)
            return .failure(SyscallError(code))
        }
        return .success((descriptor, identity))
    }

    /// Runs `body` with the directory holding `path` (opened as ``openConfined(_:_:mode:)``
    /// opens) and the entry's name in it; `AT_FDCWD` and the whole path outside confined folders.
    ///
    /// - Returns: nil with `errno` set when the directory can't be opened.
    static func withParent<T>(of path: String, _ body: (_ directory: Int32, _ name: UnsafePointer<CChar>) -> T) -> T? {
        guard ConfinedRoots.split(path) != nil, let slash = path.lastIndex(of: "/") else {
            return RawFileName.withCString(path) { body(AT_FDCWD, $0) }
        }
        let parent = String(path[..<slash])
        let name = String(path[path.index(after: slash)...])
        // "." and ".." name no entry of the parent: resolve them as a whole path instead.
        guard !name.isEmpty, name != ".", name != ".." else {
            let descriptor = openConfined(path, IMAGE_INBOX_O_PATH | O_CLOEXEC)
            guard descriptor >= 0 else { return nil }
            defer { closePreservingErrno(descriptor) }
            return body(descriptor, "")
        }
        let directory = openConfined(parent, IMAGE_INBOX_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { return nil }
        defer { closePreservingErrno(directory) }
        return RawFileName.withCString(name) { body(directory, $0) }
    }

    /// Whether this kernel has `openat2` (Linux 5.6 and later); found out at the first call.
    private static let hasOpenat2 = Atomic<Bool>(true)

    /// `relative` opened beneath `directory` without following links: `openat2`, or where the
    /// kernel lacks it, one `openat(O_NOFOLLOW)` per component.
    static func openBeneath(_ directory: Int32, _ relative: Substring, _ flags: Int32, mode: UInt32 = 0) -> Int32 {
        if hasOpenat2.load(ordering: .relaxed) {
            let descriptor = RawFileName.withCString(String(relative)) { image_inbox_open_beneath(directory, $0, flags, mode_t(mode)) }
            if descriptor >= 0 || errno != ENOSYS { return descriptor }
            hasOpenat2.store(false, ordering: .relaxed)
        }
        return walkBeneath(directory, relative, flags, mode: mode)
    }

    /// ``openBeneath(_:_:_:mode:)`` as it is where the kernel lacks `openat2`: one
    /// `openat(O_NOFOLLOW)` per component, a link or a `..` refused on the way.
    package static func openBeneathByWalking(_ directory: Int32, _ relative: Substring, _ flags: Int32, mode: UInt32 = 0) -> Int32 {
        walkBeneath(directory, relative, flags, mode: mode)
    }

    private static func walkBeneath(_ directory: Int32, _ relative: Substring, _ flags: Int32, mode: UInt32) -> Int32 {
        let components = relative.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        guard !components.isEmpty else {
            errno = ENOENT
            return -1
        }
        var current = directory
        var owned = false
        defer { if owned { closePreservingErrno(current) } }
        for (index, component) in components.enumerated() {
            guard component != ".." else {
                errno = EXDEV
                return -1
            }
            let isLast = index == components.count - 1
            var info = stat()
            let exists = RawFileName.withCString(String(component)) { fstatat(current, $0, &info, AT_SYMLINK_NOFOLLOW) } == 0
            if exists && info.st_mode & S_IFMT == S_IFLNK {
                errno = ELOOP
                return -1
            }
            let next = RawFileName.withCString(String(component)) {
                isLast ? openat(current, $0, flags | O_NOFOLLOW, mode_t(mode)) : openat(current, $0, IMAGE_INBOX_O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            guard next >= 0 else { return -1 }
            if isLast { return next }
            if owned { close(current) }
            current = next
            owned = true
        }
        return -1
    }

    static func closePreservingErrno(_ descriptor: Int32) {
        let saved = errno
        close(descriptor)
        errno = saved
    }
}
