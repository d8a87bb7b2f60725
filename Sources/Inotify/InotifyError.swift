/// An error from the `Inotify` module.
///
/// Equality is on ``code`` only, so that tests and callers can match the kind of failure.
package struct InotifyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Wrapped: Hashable, Sendable {
            case initializationFailed
            case watchLimitReached
            case watchFailed
            case readFailed
        }

        fileprivate let wrapped: Wrapped

        /// `inotify_init1` failed (usually the per-user instance limit).
        package static let initializationFailed = Code(wrapped: .initializationFailed)
        /// `inotify_add_watch` returned `ENOSPC`: `fs.inotify.max_user_watches` is exhausted.
        package static let watchLimitReached = Code(wrapped: .watchLimitReached)
        /// `inotify_add_watch` failed for another reason (permissions, the directory vanished, …).
        package static let watchFailed = Code(wrapped: .watchFailed)
        /// Reading the inotify descriptor failed.
        package static let readFailed = Code(wrapped: .readFailed)

        package var description: String { "\(wrapped)" }
    }

    /// The kind of failure.
    package var code: Code
    /// What went wrong and what to do about it, in words a person can act on.
    package var message: String
    /// The `errno` that caused it.
    package var errno: Int32

    package init(code: Code, message: String, errno: Int32) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    package static func == (lhs: InotifyError, rhs: InotifyError) -> Bool {
        lhs.code == rhs.code
    }

    package var description: String { message }
}
