#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
// In release builds Swift attributes the C `stat` struct to CDispatch (see FileSystem.swift).
private import CDispatch
import Foundation
import Synchronization

/// One inbox, one owner: a daemon holds an exclusive lock on its state directory and on a hidden
/// marker at the root of each inbox it watches, so that a second daemon — started by hand beside
/// the service, or with another state directory on the same share — refuses to start instead of
/// paying for every prompt a second time.
///
/// The locks are `flock`s, which the kernel drops when the process ends (a crash leaves no stale
/// lock; NFS carries them to the server). The files say who holds them, for the refusal.
package final class InstanceLock: Sendable {
    /// The lock file in the state directory.
    package static let stateFileName = "image-inbox.lock"
    /// The hidden marker at an inbox's root.
    package static let inboxFileName = ".image-inbox.lock"

    private let stateDescriptor: Int32
    /// The inboxes locked now (a reload changes them), by path.
    private let inboxDescriptors: Mutex<[String: Int32]>
    /// What the lock files say of this daemon.
    private let description: String

    private init(stateDescriptor: Int32, description: String) {
        self.stateDescriptor = stateDescriptor
        self.description = description
        self.inboxDescriptors = Mutex([:])
    }

    deinit {
        close(stateDescriptor)
        inboxDescriptors.withLock { for fd in $0.values { close(fd) } }
    }

    /// Takes the locks, or says who holds one.
    ///
    /// - Parameter inboxesThatCannotBeMarked: Called for inboxes whose marker cannot be written
    ///   (a read-only share): they are watched unlocked.
    /// - Throws: ``ImageInboxError`` `invalidConfiguration` naming the other daemon.
    package static func acquire(
        stateDirectory: String,
        ledgerPath: String,
        inboxes: [String],
        inboxesThatCannotBeMarked: (String, String) -> Void = { _, _ in }
    ) throws(ImageInboxError) -> InstanceLock {
        let description = "pid \(getpid()) on host \(ProcessInfo.processInfo.hostName)\nledger \(ledgerPath)\n"
        // The daemon's alone (systemd makes it 0700 too): a held entry says where to write.
        try? FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        switch lock(stateDirectory + "/" + stateFileName, saying: description) {
        case .locked(let fd):
            let instance = InstanceLock(stateDescriptor: fd, description: description)
            try instance.watch(inboxes, inboxesThatCannotBeMarked: inboxesThatCannotBeMarked)
            return instance
        case .heldBy(let holder):
            throw ImageInboxError(
                code: .invalidConfiguration,
                message: "another image-inbox, \(holder.owner), already uses the state directory \(stateDirectory); stop it first (systemctl stop image-inbox)."
            )
        case .unavailable(let reason):
            throw ImageInboxError(code: .invalidConfiguration, message: "Can't lock the state directory \(stateDirectory): \(reason).")
        }
    }

    /// Locks exactly these inboxes (a reload added or removed some): new ones are locked, the
    /// ones no longer watched are let go. When another daemon holds a new one, nothing changes.
    ///
    /// - Throws: ``ImageInboxError`` `invalidConfiguration` naming the other daemon.
    package func watch(_ inboxes: [String], inboxesThatCannotBeMarked: (String, String) -> Void = { _, _ in }) throws(ImageInboxError) {
        let held = inboxDescriptors.withLock { $0 }
        var taken: [String: Int32] = [:]
        for inbox in Set(inboxes).subtracting(held.keys).sorted() {
            switch Self.lock(inbox + "/" + Self.inboxFileName, saying: description) {
            case .locked(let fd):
                taken[inbox] = fd
            case .heldBy(let holder):
                for fd in taken.values { close(fd) }
                throw ImageInboxError(
                    code: .invalidConfiguration,
                    message: "another image-inbox, \(holder.owner), already watches \(inbox) with the \(holder.ledger); "
                        + "several hosts share an inbox through a PostgreSQL ledger."
                )
            case .unavailable(let reason):
                inboxesThatCannotBeMarked(inbox, reason)
            }
        }
        let wanted = Set(inboxes)
        inboxDescriptors.withLock { descriptors in
            for (inbox, fd) in descriptors where !wanted.contains(inbox) {
                close(fd)
                descriptors[inbox] = nil
            }
            descriptors.merge(taken) { old, _ in old }
        }
    }

    /// What a daemon starting now would refuse on (for `image-inbox check`), creating nothing.
    package static func conflicts(stateDirectory: String, inboxes: [String]) -> [String] {
        var found: [String] = []
        if let holder = holder(of: stateDirectory + "/" + stateFileName) {
            found.append("another image-inbox, \(holder.owner), already uses the state directory \(stateDirectory)")
        }
        for inbox in inboxes {
            if let holder = holder(of: inbox + "/" + inboxFileName) {
                found.append("another image-inbox, \(holder.owner), already watches \(inbox) with the \(holder.ledger)")
            }
        }
        return found
    }

    /// Who holds the lock on an existing lock file, or nil when nobody does (or there is none).
    private static func holder(of path: String) -> Holder? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard flock(fd, LOCK_SH | LOCK_NB) != 0, errno == EWOULDBLOCK else { return nil }
        return holder(describedIn: path, descriptor: fd)
    }

    /// Who holds the lock on the open file `fd`: what the file says, checked against the kernel's
    /// list of locks (`/proc/locks`), since anyone who could write the file could write anything.
    private static func holder(describedIn path: String, descriptor fd: Int32) -> Holder {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").map(String.init)
        var owner = lines.first ?? "of unknown pid"
        var info = stat()
        if fstat(fd, &info) == 0 {
            let process = LockHolder.process(holdingInode: UInt64(info.st_ino), device: UInt64(info.st_dev))
            let fileOwner = LockHolder.userName(UInt32(info.st_uid))
            owner += " (the kernel: \(process.map { "process \($0.pid) (\($0.command)) of user \($0.user)" } ?? "held by a process of another host or namespace")"
            if info.st_uid != geteuid() { owner += "; the lock file belongs to user \(fileOwner), not to image-inbox's user: remove it" }
            owner += ")"
        }
        return Holder(owner: owner, ledger: lines.dropFirst().first ?? "ledger it names nowhere")
    }

    /// Who holds a lock, as its file says.
    private struct Holder {
        var owner: String
        var ledger: String
    }

    private enum Attempt {
        case locked(Int32)
        case heldBy(Holder)
        case unavailable(String)
    }

    private static func lock(_ path: String, saying content: String) -> Attempt {
        // 0600: a user who could open the marker could flock it, and keep the daemon from starting.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o600)
        guard fd >= 0 else { return .unavailable(String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            defer { close(fd) }
            guard code == EWOULDBLOCK else { return .unavailable(String(cString: strerror(code))) }
            return .heldBy(holder(describedIn: path, descriptor: fd))
        }
        // A marker an earlier version made 0644 is the daemon's own: tighten it.
        fchmod(fd, 0o600)
        ftruncate(fd, 0)
        _ = content.withCString { pwrite(fd, $0, strlen($0), 0) }
        return .locked(fd)
    }
}
