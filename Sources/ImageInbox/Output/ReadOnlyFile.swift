#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
package import Inotify

/// A regular file of the share, opened once for reading and closed when the last reference
/// goes, so that what was checked is what is hashed and sent.
///
/// Opened through ``FileSystem/openConfined(_:_:mode:)`` with `O_NOFOLLOW | O_NONBLOCK`: no
/// symbolic link is followed, and a FIFO or device swapped in is refused after `fstat`, never
/// blocked on. Reopened later, it must still be the file it was (``FileSystem/Identity``:
/// device, inode, size and modification time), or it is refused as changed (`ESTALE`).
package final class ReadOnlyFile: Sendable {
    /// The open descriptor.
    package let descriptor: Int32
    /// What the file was when it was opened.
    package let identity: FileSystem.Identity

    private init(descriptor: Int32, identity: FileSystem.Identity) {
        self.descriptor = descriptor
        self.identity = identity
    }

    deinit { close(descriptor) }

    /// Opens the regular file at `path` (blocking: call it off Swift's cooperative pool).
    ///
    /// - Parameter expected: What the file must still be (from an earlier open), if anything.
    package static func open(_ path: String, expecting expected: FileSystem.Identity? = nil) -> Result<ReadOnlyFile, SyscallError> {
        FileSystem.openIdentified(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) { identity -> Int32? in
            if !identity.isRegularFile { return EINVAL }
            if let expected, !identity.isSameContent(as: expected) { return ESTALE }
            return nil
        }.map { ReadOnlyFile(descriptor: $0.descriptor, identity: $0.identity) }
    }

    /// Up to `count` bytes from `offset` (`pread`); fewer only at the end of the file.
    package func read(at offset: Int64, count: Int) -> Result<[UInt8], SyscallError> {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled)) }
            if read < 0 {
                if errno == EINTR { continue }
                return .failure(SyscallError(errno))
            }
            if read == 0 { break }
            filled += read
        }
        bytes.removeLast(count - filled)
        return .success(bytes)
    }
}

extension FileSystem.Identity {
    /// Whether this is the same file with the same size and modification time as `other`.
    package func isSameContent(as other: FileSystem.Identity) -> Bool {
        device == other.device && inode == other.inode && size == other.size && modificationNanoseconds == other.modificationNanoseconds
    }
}
