#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import RawFileNames
import Synchronization

/// An inotify file descriptor watching directory trees, delivered as an `AsyncSequence` of events.
///
/// Watches are recursive: a directory created or moved into a watched tree is watched before its
/// creation event is delivered, so the consumer can scan it without missing files that arrive
/// while it does. The blocking `read` runs on a thread of its own, never on Swift's cooperative pool.
///
/// Contract: ``eventBatches()`` (or ``events()``) may be called once. The stream ends when the consumer stops iterating
/// (cancellation) or when reading the descriptor fails for good, after an
/// ``InotifyEvent/failed(_:)``; the descriptor is closed then.
/// A directory that cannot be watched is reported as ``InotifyEvent/unwatched(directory:reason:)``
/// and the rest of the tree is still watched.
package final class InotifyWatcher: Sendable {
    private struct State {
        var pathByDescriptor: [Int32: String] = [:]
        var descriptorByPath: [String: Int32] = [:]
        var readerStarted = false
    }

    private let fd: Int32
    private let wake: (read: Int32, write: Int32)
    private let mask: InotifyMask
    private let shouldDescend: @Sendable (_ directoryName: String) -> Bool
    private let shouldReport: @Sendable (_ fileName: String) -> Bool
    private let state = Mutex(State())

    /// Opens an inotify descriptor.
    ///
    /// - Parameters:
    ///   - mask: The events to watch for on every directory (opens of directories themselves
    ///     are never reported: every `ls` and every fsync of a folder is one, and changes nothing).
    ///   - shouldReport: Whether the events of a file with this name are reported (a file's own
    ///     temp files need not cross to the consumer: each write is half a dozen events).
    ///   - shouldDescend: Whether a subdirectory with this name is watched (share junk such as
    ///     `@eaDir` is not).
    /// - Throws: ``InotifyError`` with code `initializationFailed` when the kernel refuses.
    package init(
        mask: InotifyMask = .inboxEvents,
        shouldDescend: @escaping @Sendable (_ directoryName: String) -> Bool = { _ in true },
        shouldReport: @escaping @Sendable (_ fileName: String) -> Bool = { _ in true }
    ) throws(InotifyError) {
        switch Syscall.inotifyInit() {
        case .success(let fd): self.fd = fd
        case .failure(let error):
            let code = error.code
            throw InotifyError(
                code: .initializationFailed,
                message: "Can't open an inotify instance: \(Syscall.describe(code)). "
                    + "Raise fs.inotify.max_user_instances or use polling.",
                errno: code
            )
        }
        switch Syscall.pipe() {
        case .success(let pipe): self.wake = pipe
        case .failure(let error):
            let code = error.code
            Syscall.close(fd)
            throw InotifyError(
                code: .initializationFailed,
                message: "Can't create the inotify wake-up pipe: \(Syscall.describe(code)).",
                errno: code
            )
        }
        self.mask = mask
        self.shouldDescend = shouldDescend
        self.shouldReport = shouldReport
    }

    deinit {
        // Once the reader thread runs it owns the descriptors and closes them when it ends.
        if !state.withLock({ $0.readerStarted }) {
            closeDescriptors()
        }
    }

    /// What to tell an admin when `directory` could not be watched for the limit: how many folders
    /// this watcher holds and still wants against `fs.inotify.max_user_watches`, and the value to set.
    package static func watchLimitMessage(
        for directory: String,
        watched: Int,
        waiting: Int,
        limitFile: String = "/proc/sys/fs/inotify/max_user_watches"
    ) -> String {
        let limit = (try? String(contentsOfFile: limitFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        // Room for the folders wanted, twice over (inboxes grow, and other programs of the user watch too).
        var suggested = 524_288
        while suggested < 2 * (watched + waiting) || suggested <= (limit ?? 0) { suggested *= 2 }
        return "Can't watch '\(directory)': the inotify watch limit is reached, with \(watched) folders watched here and at least "
            + "\(waiting) more to watch against fs.inotify.max_user_watches = \(limit.map(String.init) ?? "unknown") (shared by all of "
            + "this user's programs). Raise it with 'sysctl fs.inotify.max_user_watches=\(suggested)' (and in /etc/sysctl.d/ to keep it); "
            + "until then the folders past the limit are polled."
    }

    /// The number of directories currently watched.
    package var watchedDirectoryCount: Int {
        state.withLock { $0.pathByDescriptor.count }
    }

    /// Watches `directory` and every directory below it that `shouldDescend` accepts.
    ///
    /// - Returns: The directories that could not be watched, as ``InotifyEvent/unwatched(directory:reason:)``;
    ///   the walk does not descend into them.
    @discardableResult
    package func watchTree(_ directory: String) -> [InotifyEvent] {
        var failures: [InotifyEvent] = []
        var pending = [directory]
        let flags = mask.rawValue | UInt32(IN_ONLYDIR) | UInt32(IN_DONT_FOLLOW) | UInt32(IN_EXCL_UNLINK)
        while let next = pending.popLast() {
            switch Syscall.addWatch(fd, path: next, mask: flags) {
            case .success(let wd):
                state.withLock {
                    if let old = $0.pathByDescriptor[wd] { $0.descriptorByPath[old] = nil }
                    $0.pathByDescriptor[wd] = next
                    $0.descriptorByPath[next] = wd
                }
                for name in Syscall.subdirectories(of: next) where shouldDescend(name) {
                    pending.append(next + "/" + name)
                }
            case .failure(let error) where error.code == ENOSPC:
                let code = error.code
                failures.append(
                    .unwatched(
                        directory: next,
                        reason: InotifyError(
                            code: .watchLimitReached,
                            message: Self.watchLimitMessage(for: next, watched: watchedDirectoryCount, waiting: pending.count + 1),
                            errno: code
                        )
                    )
                )
            case .failure(let error) where error.code == ENOENT || error.code == ENOTDIR:
                continue  // Gone or replaced before we got to it: nothing to watch.
            case .failure(let error):
                let code = error.code
                failures.append(
                    .unwatched(
                        directory: next,
                        reason: InotifyError(
                            code: .watchFailed,
                            message: "Can't watch '\(next)': \(Syscall.describe(code)).",
                            errno: code
                        )
                    )
                )
            }
        }
        return failures
    }

    /// Stops watching `directory` and everything below it.
    package func unwatchTree(_ directory: String) {
        let prefix = directory + "/"
        let removed = state.withLock { state -> [Int32] in
            let matches = state.descriptorByPath.filter { $0.key == directory || $0.key.hasPrefix(prefix) }
            for (path, wd) in matches {
                state.descriptorByPath[path] = nil
                state.pathByDescriptor[wd] = nil
            }
            return Array(matches.values)
        }
        for wd in removed { Syscall.removeWatch(fd, wd) }
    }

    /// The events of every watched tree, read on a dedicated thread.
    ///
    /// - Important: Call once; the stream owns the descriptor from then on.
    /// The events, in the batches one `read` returns: a burst of hundreds of events costs the
    /// consumer one wake-up per batch instead of one per event.
    package func eventBatches() -> AsyncStream<[InotifyEvent]> {
        let alreadyStarted = state.withLock { state in
            defer { state.readerStarted = true }
            return state.readerStarted
        }
        precondition(!alreadyStarted, "InotifyWatcher.eventBatches() may be called only once")
        let (stream, continuation) = AsyncStream.makeStream(of: [InotifyEvent].self)
        let wakeWriter = wake.write
        continuation.onTermination = { _ in Syscall.write(wakeWriter, byte: 1) }
        let thread = Thread { [self] in
            readLoop(continuation)
            continuation.finish()
            closeDescriptors()
        }
        thread.name = "inotify-reader"
        thread.start()
        return stream
    }

    /// The events one by one (see ``eventBatches()``).
    package func events() -> AsyncStream<InotifyEvent> {
        let batches = eventBatches()
        let (stream, continuation) = AsyncStream.makeStream(of: InotifyEvent.self)
        let task = Task {
            for await batch in batches {
                for event in batch { continuation.yield(event) }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func readLoop(_ continuation: AsyncStream<[InotifyEvent]>.Continuation) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 8)
        defer { buffer.deallocate() }
        while !Syscall.waitReadable(fd, orWake: wake.read) {
            switch Syscall.read(fd, into: buffer) {
            case .success(let count):
                let events = decode(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                if !events.isEmpty { continuation.yield(events) }
            case .failure(let error) where error.code == EINTR || error.code == EAGAIN:
                continue
            case .failure(let error):
                let code = error.code
                continuation.yield(
                    [.failed(InotifyError(code: .readFailed, message: "Reading inotify events failed: \(Syscall.describe(code)).", errno: code))]
                )
                return
            }
        }
    }

    /// Turns a buffer of `struct inotify_event` records into events, keeping the watch table current.
    private func decode(_ bytes: UnsafeRawBufferPointer) -> [InotifyEvent] {
        var events: [InotifyEvent] = []
        var offset = 0
        let headerSize = 16  // int wd; uint32 mask, cookie, len
        while offset + headerSize <= bytes.count {
            let wd = bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)
            let mask = InotifyMask(rawValue: bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            let nameBytes = bytes[(offset + headerSize)..<min(bytes.count, offset + headerSize + length)]
            let name = RawFileName.decode(nameBytes.prefix(while: { $0 != 0 }))
            offset += headerSize + length

            if mask.contains(.queueOverflow) {
                events.append(.overflow)
                continue
            }
            if mask.contains(.ignored) {
                state.withLock { state in
                    if let path = state.pathByDescriptor.removeValue(forKey: wd) {
                        state.descriptorByPath[path] = nil
                    }
                }
                continue
            }
            if !name.isEmpty && !mask.contains(.isDirectory) && !shouldReport(name) { continue }
            // A folder opened (every `ls`, every fsync of a folder) changes nothing in it.
            if mask.contains(.open) && (name.isEmpty || mask.contains(.isDirectory)) { continue }
            guard let directory = state.withLock({ $0.pathByDescriptor[wd] }) else { continue }
            let path = name.isEmpty ? directory : directory + "/" + name
            if mask.contains(.isDirectory) && !name.isEmpty {
                if !mask.isDisjoint(with: [.create, .movedTo]) && shouldDescend(name) {
                    events.append(contentsOf: watchTree(path))
                } else if !mask.isDisjoint(with: [.movedFrom, .delete]) {
                    unwatchTree(path)
                }
            }
            events.append(.change(path: path, mask: mask))
        }
        return events
    }

    private func closeDescriptors() {
        Syscall.close(fd)
        Syscall.close(wake.read)
        Syscall.close(wake.write)
    }
}
