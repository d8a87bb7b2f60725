#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CRename
package import Inotify
import RawFileNames

/// A folder of the share held open while results and notes are written into it, so that every
/// temp file, rename and flush goes into this one folder even if its path is renamed away or
/// swapped for a symbolic link meanwhile.
package final class OpenFolder: Sendable {
    /// The folder's path when it was opened (for messages).
    package let path: String
    /// Its device and inode.
    package let identity: FileSystem.Identity
    private let descriptor: Int32

    private init(path: String, descriptor: Int32, identity: FileSystem.Identity) {
        self.path = path
        self.descriptor = descriptor
        self.identity = identity
    }

    deinit { close(descriptor) }

    /// Opens the folder at `path` (beneath a confined folder, through no symbolic link).
    ///
    /// - Parameter expected: The folder it must be (device and inode), if any: another folder
    ///   now at that path is refused with `ESTALE`.
    package static func open(_ path: String, expecting expected: FileSystem.Identity? = nil) -> Result<OpenFolder, SyscallError> {
        FileSystem.openIdentified(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) { identity -> Int32? in
            guard let expected, expected.device != identity.device || expected.inode != identity.inode else { return nil }
            return ESTALE
        }.map { OpenFolder(path: path, descriptor: $0.descriptor, identity: $0.identity) }
    }

    /// Writes `bytes` to the new file `name` (which must not exist) and flushes it to disk.
    ///
    /// - Parameter ownership: The mode and group set on the file before anything is written.
    package func writeNewFile(_ name: String, _ bytes: [UInt8], permissions: UInt32 = 0o664, ownership: OutputOwnership = .inherited) -> Result<Void, SyscallError> {
        let fd = RawFileName.withCString(name) { openat(descriptor, $0, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(permissions)) }
        guard fd >= 0 else { return .failure(SyscallError(errno)) }
        ownership.apply(to: fd, path: path + "/" + name)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                return abandon(fd, name, SyscallError(errno))
            }
            written += count
        }
        if fsync(fd) != 0 { return abandon(fd, name, SyscallError(errno)) }
        close(fd)
        return .success(())
    }

    private func abandon(_ fd: Int32, _ name: String, _ error: SyscallError) -> Result<Void, SyscallError> {
        close(fd)
        remove(name)
        return .failure(error)
    }

    /// Renames `source` to `target` in this folder only if `target` does not exist (see
    /// ``FileSystem/renameNoReplace(_:_:)`` for file systems without `RENAME_NOREPLACE`).
    package func renameNoReplace(_ source: String, _ target: String) -> Result<Void, SyscallError> {
        RawFileName.withCString(source) { source in
            RawFileName.withCString(target) { target in
                FileSystem.renameNoReplace(at: descriptor, source, descriptor, target)
            }
        }
    }

    /// Renames `source` to `target` in this folder, replacing it (only for files the daemon owns).
    package func rename(_ source: String, _ target: String) -> Result<Void, SyscallError> {
        let done = RawFileName.withCString(source) { source in RawFileName.withCString(target) { renameat(descriptor, source, descriptor, $0) } }
        return done == 0 ? .success(()) : .failure(SyscallError(errno))
    }

    /// Removes the file `name`; a missing file is not an error.
    @discardableResult
    package func remove(_ name: String) -> Bool {
        RawFileName.withCString(name) { unlinkat(descriptor, $0, 0) } == 0 || errno == ENOENT
    }

    /// Flushes the folder's entries (a rename) to disk.
    package func sync() {
        fsync(descriptor)
    }
}
