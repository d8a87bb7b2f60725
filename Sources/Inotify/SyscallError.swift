/// An `errno` returned by a system call, as a value.
package struct SyscallError: Error, Sendable, Equatable {
    /// The `errno` value (`ENOSPC`, `EEXIST`, …).
    package var code: Int32

    package init(_ code: Int32) {
        self.code = code
    }
}
