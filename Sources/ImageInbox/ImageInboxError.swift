/// An error from image-inbox's logic.
///
/// The ``message`` names the object and the remedy, so that it can be shown as it is: in the
/// journal, and in the `NAME.error.txt` a person on the share reads. Equality is on ``code`` only.
package struct ImageInboxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Wrapped: String, Hashable, Sendable {
            case invalidSource, invalidParameter, invalidConfiguration
            case requestRejected, moderationBlocked, modelNotFound
            case authenticationFailed, quotaExhausted, rateLimited, serverError
            case connectionFailed, timedOut, invalidResponse
            case outputFailed, ledgerFailed, interrupted, unexpectedStatus, resultUnavailable
        }

        fileprivate let wrapped: Wrapped

        /// The source file cannot be read as a job (encoding, front matter, empty prompt, size).
        package static let invalidSource = Code(wrapped: .invalidSource)
        /// A parameter is unknown, or its value is not one the provider accepts.
        package static let invalidParameter = Code(wrapped: .invalidParameter)
        /// The daemon's configuration is unusable.
        package static let invalidConfiguration = Code(wrapped: .invalidConfiguration)
        /// The API refused the request as invalid (HTTP 400).
        package static let requestRejected = Code(wrapped: .requestRejected)
        /// The API's safety system refused the prompt or image.
        package static let moderationBlocked = Code(wrapped: .moderationBlocked)
        /// The API does not know the model (it may have been retired).
        package static let modelNotFound = Code(wrapped: .modelNotFound)
        /// The API key was refused (HTTP 401/403).
        package static let authenticationFailed = Code(wrapped: .authenticationFailed)
        /// The account is out of credit or quota.
        package static let quotaExhausted = Code(wrapped: .quotaExhausted)
        /// The API asked to slow down (HTTP 429).
        package static let rateLimited = Code(wrapped: .rateLimited)
        /// The API failed on its side (HTTP 5xx, 408, 409).
        package static let serverError = Code(wrapped: .serverError)
        /// The API could not be reached.
        package static let connectionFailed = Code(wrapped: .connectionFailed)
        /// The API did not answer in time.
        package static let timedOut = Code(wrapped: .timedOut)
        /// The API answered with something that is not a usable image response.
        package static let invalidResponse = Code(wrapped: .invalidResponse)
        /// The API answered with a status nothing explains (404 without a model error, 405, 410):
        /// most likely a wrong `base_url`; trying again does not help.
        package static let unexpectedStatus = Code(wrapped: .unexpectedStatus)
        /// The image was made (and billed) but could not be downloaded: its link is gone, or
        /// every download failed. Asking again would pay again, so it is not retried.
        package static let resultUnavailable = Code(wrapped: .resultUnavailable)
        /// The result could not be written next to its source.
        package static let outputFailed = Code(wrapped: .outputFailed)
        /// The job ledger could not be read or written.
        package static let ledgerFailed = Code(wrapped: .ledgerFailed)
        /// The work was stopped because the daemon is shutting down; it is not a failure.
        package static let interrupted = Code(wrapped: .interrupted)

        /// A stable, lower-case name for logs and the ledger (`invalid_parameter`, …).
        package var description: String {
            wrapped.rawValue.reduce(into: "") { name, character in
                if character.isUppercase { name += "_" }
                name += character.lowercased()
            }
        }
    }

    /// The kind of failure.
    package var code: Code
    /// What went wrong and what to do about it, in plain words.
    package var message: String
    /// The underlying error, if any.
    package var cause: (any Error)?
    /// Where the error was made.
    package var location: String
    /// How long the API asked to wait before trying again (`Retry-After`, `retry-after-ms`).
    package var retryAfter: Duration?
    /// The API's own word on whether to try again (`x-should-retry`), which wins over the code.
    package var shouldRetry: Bool?
    /// What the failed request was billed, when it was (a result made but not delivered).
    package var billed: APIUsage?
    /// The provider's id of the request that failed (`x-request-id`), for its support.
    package var requestID: String?

    package init(
        code: Code,
        message: String,
        cause: (any Error)? = nil,
        retryAfter: Duration? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.cause = cause
        self.retryAfter = retryAfter
        self.location = "\(file):\(line)"
    }

    /// The same error, for a request that was answered and billed `usage` (its images were
    /// made, whatever went wrong after).
    package func billing(_ usage: APIUsage) -> ImageInboxError {
        var error = self
        error.billed = (billed ?? APIUsage()) + usage
        return error
    }

    package static func == (lhs: ImageInboxError, rhs: ImageInboxError) -> Bool {
        lhs.code == rhs.code
    }

    package var description: String { message }

    /// Whether trying the same request again later can succeed.
    package var isTransient: Bool {
        shouldRetry ?? [.rateLimited, .serverError, .connectionFailed, .timedOut, .invalidResponse].contains(code)
    }

    /// Whether the whole queue must wait (a refused key, no credit) rather than this job fail.
    package var pausesQueue: Bool {
        code == .authenticationFailed || code == .quotaExhausted
    }
}
