import AsyncHTTPClient

/// A failure to reach the images API or to hear its answer, as the error that says what it was,
/// for every call the daemon makes to it.
enum APIFailure {
    /// `error` as the ``ImageInboxError`` a person reads: a timeout, or the API unreachable, with
    /// neither the key nor a URL's user and password in it; a cancellation stays one.
    ///
    /// - Parameters:
    ///   - timedOut: The sentence for a timeout.
    ///   - unreachable: What could not be done, before the cause (`Can't reach … at URL`).
    static func mapped(_ error: any Error, key: APIKey, timedOut: String, unreachable: String) -> any Error {
        switch error {
        case let error as ImageInboxError:
            return error
        case let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout].contains(error):
            return ImageInboxError(code: .timedOut, message: timedOut, cause: error)
        case is CancellationError:
            return CancellationError()
        default:
            return ImageInboxError(
                code: .connectionFailed,
                message: URLUserinfo.redacted("\(unreachable): \(key.redact(String(describing: error)))."),
                cause: error
            )
        }
    }
}
