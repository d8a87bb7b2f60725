import ImageInbox

/// A failure a command reports in one line, without the usage text a ``ValidationError`` adds.
struct CommandError: Error, CustomStringConvertible {
    let description: String

    init(_ error: ImageInboxError) {
        description = error.message
    }
}
