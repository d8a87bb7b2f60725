#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
// In release builds Swift attributes the C `stat` struct to CDispatch (whose headers include
// <sys/stat.h> first), and MemberImportVisibility then wants that module imported too.
private import CDispatch
import CRename
package import Inotify
import RawFileNames

/// The file system calls image-inbox makes, each returning its `errno` as a value.
///
/// Kept in one place so that mapping `errno` to a message a person can act on happens once, and
/// so that every path reaches the kernel as the bytes it was read as (``RawFileName``).
package enum FileSystem {
    /// inode, size and modification time: what "the file has not changed" means.
    package struct Identity: Sendable, Hashable, Codable {
        package var device: UInt64
        package var inode: UInt64
        package var size: Int64
        package var modificationNanoseconds: Int64
        package var isRegularFile: Bool
        package var isDirectory: Bool

        package init(
            device: UInt64,
            inode: UInt64,
            size: Int64,
            modificationNanoseconds: Int64,
            isRegularFile: Bool,
            isDirectory: Bool
        ) {
            self.device = device
            self.inode = inode
            self.size = size
            self.modificationNanoseconds = modificationNanoseconds
            self.isRegularFile = isRegularFile
            self.isDirectory = isDirectory
        }
    }

    /// The identity of `path`, not following a final symbolic link.
    package static func identity(of path: String) -> Identity? {
        version(of: path)?.identity
    }

    /// What a file is at one moment, to tell later whether it changed: its identity and its
    /// change time, which moves on every write and every metadata change, such as a `chmod`,
    /// even when the modification time is kept.
    package struct Version: Sendable, Equatable {
        package var identity: Identity
        /// The change time (`st_ctim`), in nanoseconds since 1970.
        package var changeNanoseconds: Int64
    }

    /// The version of `path`, not following a final symbolic link (nor, beneath a confined
    /// folder, any other: a path through a link has no version).
    package static func version(of path: String) -> Version? {
        try? lookUp(path).get()
    }

    /// The version of `path` as ``version(of:)`` finds it, or why there is none (`ENOENT`;
    /// `ELOOP` for a path through a symbolic link beneath a confined folder; `EXDEV` for one
    /// that leaves it).
    package static func lookUp(_ path: String) -> Result<Version, SyscallError> {
        var info = stat()
        guard withParent(of: path, { directory, name in fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW | (name.pointee == 0 ? IMAGE_INBOX_AT_EMPTY_PATH : 0)) }) == 0 else {
            return .failure(SyscallError(errno))
        }
        return .success(Version(identity: identity(from: info), changeNanoseconds: Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)))
    }

    /// The identity of an open file (`fstat`), or nil with `errno` set.
    static func identity(ofDescriptor descriptor: Int32) -> Identity? {
        var info = stat()
        return fstat(descriptor, &info) == 0 ? identity(from: info) : nil
    }

    private static func identity(from info: stat) -> Identity {
        Identity(
            device: UInt64(info.st_dev),
            inode: UInt64(info.st_ino),
            size: Int64(info.st_size),
            modificationNanoseconds: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
            isRegularFile: info.st_mode & S_IFMT == S_IFREG,
            isDirectory: info.st_mode & S_IFMT == S_IFDIR
        )
    }

    /// Reads a regular file whole, refusing anything else and anything over `limit` bytes.
    package static func readRegularFile(_ path: String, limit: Int) -> Result<[UInt8], SyscallError> {
        withRegularFile(path) { fd, size in
            guard size <= limit else { return .failure(SyscallError(EFBIG)) }
            // One byte past the limit tells a file that grew since fstat from one that fits.
            return read(fd, upTo: limit + 1).flatMap { $0.count > limit ? .failure(SyscallError(EFBIG)) : .success($0) }
        }
    }

    /// Reads the first `count` bytes of a regular file, with what the file was when read.
    package static func readPrefix(_ path: String, count: Int) -> Result<(bytes: [UInt8], identity: Identity), SyscallError> {
        ReadOnlyFile.open(path).flatMap { file in file.read(at: 0, count: count).map { ($0, file.identity) } }
    }

    /// Opens `path` for reading only if it is a regular file.
    ///
    /// Opened with `O_NOFOLLOW | O_NONBLOCK` (and beneath a confined folder without following
    /// any link) so that a symbolic link (`ELOOP`) or a FIFO or device (`EINVAL`) dropped into
    /// an inbox is never followed or blocked on.
    private static func withRegularFile<T>(_ path: String, _ body: (Int32, Int) -> Result<T, SyscallError>) -> Result<T, SyscallError> {
        ReadOnlyFile.open(path).flatMap { file in body(file.descriptor, Int(file.identity.size)) }
    }

    /// Reads from `fd` until end of file or `limit` bytes.
    private static func read(_ fd: Int32, upTo limit: Int) -> Result<[UInt8], SyscallError> {
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, min($0.count, limit - bytes.count)) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(SyscallError(errno))
            }
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        return .success(bytes)
    }

    /// Writes `bytes` to a new file at `path` (which must not exist) and flushes it to disk.
    ///
    /// - Parameter ownership: The mode and group set on the file before anything is written.
    package static func writeNewFile(
        _ path: String,
        _ bytes: [UInt8],
        permissions: UInt32 = 0o664,
        ownership: OutputOwnership = .inherited
    ) -> Result<Void, SyscallError> {
        let fd = openConfined(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode: permissions)
        guard fd >= 0 else { return .failure(SyscallError(errno)) }
        ownership.apply(to: fd, path: path)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                remove(path)
                return .failure(SyscallError(code))
            }
            written += count
        }
        if fsync(fd) != 0 {
            let code = errno
            close(fd)
            remove(path)
            return .failure(SyscallError(code))
        }
        close(fd)
        return .success(())
    }

    /// Renames `source` to `target` only if `target` does not exist.
    ///
    /// `renameat2(RENAME_NOREPLACE)` does it in one atomic step, and the next tool in a chain sees
    /// the result arrive as `IN_MOVED_TO` (`inotifywait -e close_write,moved_to`). Where the file
    /// system or kernel refuses the flag (`EINVAL`, `ENOSYS`), `link` + `unlink` fails with `EEXIST`
    /// rather than replace a file; where there are no hard links either (some SMB mounts), it
    /// checks for the name, then renames.
    package static func renameNoReplace(_ source: String, _ target: String) -> Result<Void, SyscallError> {
        withParents(source, target) { renameNoReplace($0, $1) } ?? .failure(SyscallError(errno))
    }

    fileprivate static func renameNoReplace(_ source: Entry, _ target: Entry) -> Result<Void, SyscallError> {
        renameNoReplace(at: source.directory, source.name, target.directory, target.name)
    }

    /// ``renameNoReplace(_:_:)`` for names relative to open directories.
    static func renameNoReplace(
        at sourceDirectory: Int32,
        _ sourceName: UnsafePointer<CChar>,
        _ targetDirectory: Int32,
        _ targetName: UnsafePointer<CChar>
    ) -> Result<Void, SyscallError> {
        let source = Entry(directory: sourceDirectory, name: sourceName)
        let target = Entry(directory: targetDirectory, name: targetName)
        if image_inbox_renameat_noreplace(source.directory, source.name, target.directory, target.name) == 0 { return .success(()) }
        let renameCode = errno
        guard renameCode == EINVAL || renameCode == ENOSYS || renameCode == ENOTSUP || renameCode == EOPNOTSUPP else {
            return .failure(SyscallError(renameCode))
        }
        if linkat(source.directory, source.name, target.directory, target.name, 0) == 0 {
            unlinkat(source.directory, source.name, 0)
            return .success(())
        }
        let code = errno
        guard code == EPERM || code == ENOTSUP || code == EOPNOTSUPP || code == EMLINK else {
            return .failure(SyscallError(code))
        }
        var info = stat()
        if fstatat(target.directory, target.name, &info, AT_SYMLINK_NOFOLLOW) == 0 { return .failure(SyscallError(EEXIST)) }
        return renameat(source.directory, source.name, target.directory, target.name) == 0 ? .success(()) : .failure(SyscallError(errno))
    }

    /// Renames `source` to `target`, replacing it (only for files the daemon owns).
    package static func rename(_ source: String, _ target: String) -> Result<Void, SyscallError> {
        withParents(source, target) { source, target in
            renameat(source.directory, source.name, target.directory, target.name) == 0 ? .success(()) : .failure(SyscallError(errno))
        } ?? .failure(SyscallError(errno))
    }

    /// A directory entry: the open directory that holds it and its name there.
    fileprivate struct Entry {
        var directory: Int32
        var name: UnsafePointer<CChar>
    }

    fileprivate static func withParents<T>(_ first: String, _ second: String, _ body: (Entry, Entry) -> T) -> T? {
        withParent(of: first) { firstDirectory, firstName in
            withParent(of: second) { secondDirectory, secondName in
                body(Entry(directory: firstDirectory, name: firstName), Entry(directory: secondDirectory, name: secondName))
            }
        } ?? nil
    }

    /// Flushes a directory's entries (a rename) to disk.
    package static func syncDirectory(_ path: String) {
        let fd = openConfined(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    /// Removes a file; a missing file is not an error. Beneath a confined folder, a path through
    /// a symbolic link removes nothing.
    @discardableResult
    package static func remove(_ path: String) -> Bool {
        withParent(of: path, { unlinkat($0, $1, 0) }) == 0 || errno == ENOENT
    }

    /// The entries of a directory (names only), or nil when it cannot be read.
    package static func directoryEntries(_ path: String) -> [String]? {
        directoryListing(path)?.map(\.name)
    }

    /// The wall clock (`CLOCK_REALTIME`) in nanoseconds since 1970, the time base of mtimes.
    package static func wallClockNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    /// What a directory entry is, as `readdir` tells without a `stat`.
    package enum EntryKind: Sendable, Equatable {
        case directory
        case regularFile
        /// A symbolic link, pipe, socket or device.
        case other
        /// The file system does not say (`DT_UNKNOWN`): `stat` it.
        case unknown
    }

    /// The entries of a directory with their kinds, in the byte order of their names, or nil when
    /// it cannot be read.
    package static func directoryListing(_ path: String) -> [(name: String, kind: EntryKind)]? {
        withDirectory(path) { entries, _ in entries.sorted { precedesInBytes($0.name, $1.name) } }
    }

    /// Runs `body` on a directory's entries, in the order `readdir` gives them, and a lookup of
    /// an entry's identity by name, while the directory is open; nil when it cannot be read.
    ///
    /// The lookup stats the name relative to the open directory (`fstatat`), so a scan of a
    /// large folder does not walk the folder's whole path again for every file.
    package static func withDirectory<T>(
        _ path: String,
        _ body: (_ entries: [(name: String, kind: EntryKind)], _ identity: (String) -> Identity?) -> T
    ) -> T? {
        // Beneath a confined folder, a folder reached through a link is not listed.
        let descriptor = openConfined(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        guard let dir = fdopendir(descriptor) else {
            closePreservingErrno(descriptor)
            return nil
        }
        defer { closedir(dir) }
        var entries: [(name: String, kind: EntryKind)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in RawFileName.decode(raw.prefix(while: { $0 != 0 })) }
            guard name != "." && name != ".." else { continue }
            let kind: EntryKind
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_DIR): kind = .directory
            case Int32(DT_REG): kind = .regularFile
            case Int32(DT_UNKNOWN): kind = .unknown
            default: kind = .other
            }
            entries.append((name, kind))
        }
        return body(entries) { name in
            var info = stat()
            guard RawFileName.withCString(name, { fstatat(dirfd(dir), $0, &info, AT_SYMLINK_NOFOLLOW) }) == 0 else { return nil }
            return identity(from: info)
        }
    }

    /// Byte order, by memcmp: String's `<` compares Unicode-normalized, and a generic walk of
    /// the UTF-8 views was dearer still; listings only need an order that does not change.
    package static func precedesInBytes(_ first: String, _ second: String) -> Bool {
        var first = first
        var second = second
        return first.withUTF8 { left in
            second.withUTF8 { right in
                let common = min(left.count, right.count)
                if common > 0, let a = left.baseAddress, let b = right.baseAddress {
                    let order = memcmp(a, b, common)
                    if order != 0 { return order < 0 }
                }
                return left.count < right.count
            }
        }
    }

    /// Whether anything (file, directory, dangling link) exists at `path`.
    package static func exists(_ path: String) -> Bool {
        version(of: path) != nil
    }

    /// Why `subject` ("The file", "The mask \"m.png\"") could not be read, with the remedy, for
    /// the refusals of ``readRegularFile(_:limit:)`` and ``readPrefix(_:count:)``.
    package static func refusal(of subject: String, _ code: Int32) -> String {
        switch code {
        case ELOOP: "\(subject) is a symbolic link or goes through one; image-inbox never follows links. Copy the file into the folder itself instead."
        case EXDEV: "\(subject) is outside the inbox; image-inbox only reads files inside it. Copy the file into the folder itself instead."
        case EINVAL: "\(subject) is not a regular file (a pipe or device?); drop a plain file instead."
        case ESTALE: "\(subject) changed while it was being checked and sent; save it again once it is complete."
        case ENOENT: "\(subject) is missing."
        default: "\(subject) can't be read: \(describe(code)). Check its permissions."
        }
    }

    /// A readable description of an `errno`.
    package static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
