import Foundation

/// An `image-inbox.yaml` that is there but cannot be read: a symbolic link, a folder, pipe or
/// device of that name, a file over 64 KB, or one the daemon's user may not read.
///
/// Such a file is never taken for an absent one: the locks and budgets it may set would drop
/// away, and a folder locked to low quality would be rendered at whatever its files ask for.
/// The jobs of its folder and every folder below it wait instead, and the folder gets a note
/// (``notePath``) saying what is wrong and how to fix it.
package struct UnreadableFolderDefaults: Sendable, Equatable {
    /// Why the file cannot be read.
    package enum Reason: Sendable, Equatable {
        /// A symbolic link, or a path through one (the daemon never follows links).
        case symbolicLink
        /// A folder, pipe, socket or device.
        case notRegularFile
        /// Larger than ``FolderDefaults/maximumFileSize``.
        case tooLarge(bytes: Int64)
        /// The daemon's user may not read it.
        case permissionDenied
        /// Another failure of the read (`EIO` from a share, say), by `errno`.
        case failed(code: Int32)

        /// The reason a refused read gives; nil for a file that is simply not there.
        ///
        /// - Parameter size: The file's size from its `lstat`, for the message.
        init?(code: Int32, size: Int64) {
            switch code {
            case ENOENT, ENOTDIR: return nil
            case ELOOP, EXDEV: self = .symbolicLink
            case EINVAL, ENXIO, EISDIR: self = .notRegularFile
            case EFBIG: self = .tooLarge(bytes: size)
            case EACCES, EPERM: self = .permissionDenied
            default: self = .failed(code: code)
            }
        }

        /// Whether it lasts until the file changes (its `stat` moves). A refused permission
        /// does not: it may be given outside the file (a group the daemon's user joins, a
        /// share's ACLs mapped on the server), and neither does a failure that may pass by
        /// itself (`EIO` while a share reconnects); such a file is tried again at every look.
        var lasts: Bool {
            switch self {
            case .symbolicLink, .notRegularFile, .tooLarge: true
            case .permissionDenied, .failed: false
            }
        }
    }

    /// The first words of the note, by which the daemon knows its own.
    package static let noteMarker = "image-inbox has paused"
    /// The note's name in the folder that holds the file.
    package static let noteName = "image-inbox.paused.txt"

    /// The file's path.
    package var path: String
    /// Why it cannot be read.
    package var reason: Reason
    /// What the file was when it was found so, to tell when it changes; nil when not known.
    var version: FileSystem.Version?

    /// - Parameter version: What the file was when it was found so (changing it ends the wait).
    init(path: String, reason: Reason, version: FileSystem.Version?) {
        self.path = path
        self.reason = reason
        self.version = version
    }

    /// A file found unreadable, whatever its version (for tests and messages).
    package init(path: String, reason: Reason) {
        self.init(path: path, reason: reason, version: nil)
    }

    /// The folder whose jobs, and those of every folder below it, wait.
    package var folder: String { SourceName(path: path).directory }

    /// Where the note goes: in the folder that holds the file.
    package var notePath: String { folder + "/" + Self.noteName }

    /// What is wrong, after "image-inbox.yaml can't be read: ".
    package var problem: String {
        switch reason {
        case .symbolicLink: "it is a symbolic link, and image-inbox never follows links"
        case .notRegularFile: "it is not a plain file (a folder, pipe or device has that name)"
        case .tooLarge(let bytes): "it is \(max(1, bytes / 1024)) KB, over the limit of \(FolderDefaults.maximumFileSize / 1024) KB"
        case .permissionDenied: "permission denied: the user image-inbox runs as may not read it"
        case .failed(let code): FileSystem.describe(code)
        }
    }

    /// How to fix it.
    package var remedy: String {
        switch reason {
        case .symbolicLink: "Replace the link with the file itself: copy the settings into a plain file named \(FolderDefaults.fileName) here."
        case .notRegularFile: "Remove it and save the settings as a plain file named \(FolderDefaults.fileName), or just remove it if the folder needs no settings."
        case .tooLarge: "Shorten it to under \(FolderDefaults.maximumFileSize / 1024) KB: settings, presets and locks fit in a few lines."
        case .permissionDenied: "Let the user image-inbox runs as read it (give it read permission, such as 'chmod a+r \(FolderDefaults.fileName)')."
        case .failed: "Check the file and the share; image-inbox reads it again by itself."
        }
    }

    /// The error a job that meets the file reports (the file went bad while the job started).
    package var error: ImageInboxError {
        ImageInboxError(
            code: .invalidParameter,
            message: "The folder defaults file '\(path)' can't be read: \(problem). \(remedy) Ask the share's admin to fix it."
        )
    }

    /// The note's text.
    package var noteText: String {
        """
        \(Self.noteMarker) this folder and the folders in it: \(FolderDefaults.fileName) here can't be read: \(problem).

        What happens next:
        Files dropped here and below wait; nothing is lost, and nothing is sent without the settings, locks and budgets this file may set. They are made once it is fixed, and this note goes away.

        To fix it:
        \(remedy)

        """
    }
}
