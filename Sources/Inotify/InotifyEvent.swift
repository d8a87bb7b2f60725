/// One thing an inotify file descriptor reported.
///
/// Expected conditions are values, not errors: a lost event queue is ``overflow`` and means
/// "rescan everything", and a directory that could not be watched is ``unwatched(directory:reason:)``
/// so that its owner can poll it instead.
package enum InotifyEvent: Sendable, Equatable {
    /// Something happened to `path` (a file or directory inside a watched directory, or the
    /// watched directory itself).
    case change(path: String, mask: InotifyMask)
    /// The kernel's event queue overflowed: events were lost and the tree must be rescanned.
    case overflow
    /// A directory could not be watched (for example the user's watch limit was reached); it and
    /// everything below it is invisible to inotify.
    case unwatched(directory: String, reason: InotifyError)
    /// Reading the descriptor failed for good: no event follows, and every watched tree must be
    /// polled from now on. The last event of the stream.
    case failed(InotifyError)
}

/// The kinds of inotify events, as the kernel's `IN_*` bits.
package struct InotifyMask: OptionSet, Sendable, Hashable, CustomStringConvertible {
    package let rawValue: UInt32

    package init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    package static let access = InotifyMask(rawValue: 0x0000_0001)
    package static let modify = InotifyMask(rawValue: 0x0000_0002)
    package static let attrib = InotifyMask(rawValue: 0x0000_0004)
    package static let closeWrite = InotifyMask(rawValue: 0x0000_0008)
    package static let closeNoWrite = InotifyMask(rawValue: 0x0000_0010)
    package static let open = InotifyMask(rawValue: 0x0000_0020)
    package static let movedFrom = InotifyMask(rawValue: 0x0000_0040)
    package static let movedTo = InotifyMask(rawValue: 0x0000_0080)
    package static let create = InotifyMask(rawValue: 0x0000_0100)
    package static let delete = InotifyMask(rawValue: 0x0000_0200)
    package static let deleteSelf = InotifyMask(rawValue: 0x0000_0400)
    package static let moveSelf = InotifyMask(rawValue: 0x0000_0800)
    package static let unmount = InotifyMask(rawValue: 0x0000_2000)
    package static let queueOverflow = InotifyMask(rawValue: 0x0000_4000)
    package static let ignored = InotifyMask(rawValue: 0x0000_8000)
    package static let isDirectory = InotifyMask(rawValue: 0x4000_0000)

    /// What a hot folder needs to see: arrivals, writes, closes, renames and removals.
    package static let inboxEvents: InotifyMask = [
        .modify, .attrib, .closeWrite, .open, .movedFrom, .movedTo, .create, .delete, .deleteSelf, .moveSelf,
    ]

    package var description: String {
        let names: [(InotifyMask, String)] = [
            (.access, "ACCESS"), (.modify, "MODIFY"), (.attrib, "ATTRIB"), (.closeWrite, "CLOSE_WRITE"),
            (.closeNoWrite, "CLOSE_NOWRITE"), (.open, "OPEN"), (.movedFrom, "MOVED_FROM"), (.movedTo, "MOVED_TO"),
            (.create, "CREATE"), (.delete, "DELETE"), (.deleteSelf, "DELETE_SELF"), (.moveSelf, "MOVE_SELF"),
            (.unmount, "UNMOUNT"), (.queueOverflow, "Q_OVERFLOW"), (.ignored, "IGNORED"), (.isDirectory, "ISDIR"),
        ]
        return names.filter { contains($0.0) }.map(\.1).joined(separator: "|")
    }
}
