#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import Synchronization

/// Tells when a file system is mounted or unmounted anywhere this process sees, as an
/// `AsyncStream` with one element per change: inotify says nothing when a share is mounted over
/// a folder it watches.
///
/// The kernel marks `/proc/self/mountinfo` with a priority event when the mount table changes;
/// a thread of its own waits for it with `poll`, never Swift's cooperative pool, and costs
/// nothing while nothing is mounted.
///
/// Contract: ``changes()`` may be called once; the stream ends when the consumer stops
/// iterating, and the descriptors are closed then.
package final class MountTableWatcher: Sendable {
    private let fd: Int32
    private let wake: (read: Int32, write: Int32)
    private let started = Mutex(false)

    /// Opens `/proc/self/mountinfo` (or `path`, for tests).
    ///
    /// - Throws: ``InotifyError`` `initializationFailed` when it cannot be opened.
    package init(path: String = "/proc/self/mountinfo") throws(InotifyError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw InotifyError(code: .initializationFailed, message: "Can't open '\(path)': \(Syscall.describe(code)).", errno: code)
        }
        switch Syscall.pipe() {
        case .success(let pipe):
            self.fd = fd
            self.wake = pipe
        case .failure(let error):
            Syscall.close(fd)
            let code = error.code
            throw InotifyError(code: .initializationFailed, message: "Can't create a wake-up pipe: \(Syscall.describe(code)).", errno: code)
        }
    }

    deinit {
        if !started.withLock({ $0 }) { closeDescriptors() }
    }

    /// One element each time the mount table changed (changes close together may come as one).
    package func changes() -> AsyncStream<Void> {
        let alreadyStarted = started.withLock { started in
            defer { started = true }
            return started
        }
        precondition(!alreadyStarted, "MountTableWatcher.changes() may be called only once")
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let wakeWriter = wake.write
        continuation.onTermination = { _ in Syscall.write(wakeWriter, byte: 1) }
        let thread = Thread { [self] in
            // Each poll that finds a change reports it once, and the next waits for the next one.
            while !Syscall.waitReadable(fd, orWake: wake.read, priority: true) {
                continuation.yield()
            }
            continuation.finish()
            closeDescriptors()
        }
        thread.name = "mount-watcher"
        thread.start()
        return stream
    }

    private func closeDescriptors() {
        Syscall.close(fd)
        Syscall.close(wake.read)
        Syscall.close(wake.write)
    }
}
