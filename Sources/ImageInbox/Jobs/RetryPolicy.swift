/// When a failed request is tried again, and after how long.
///
/// Connection errors, timeouts, 408, 409, 429 and 5xx are retried with capped exponential
/// backoff and jitter, honouring the API's `Retry-After`; an unreadable answer is retried a few
/// times; a refused request (400, moderation, unknown model) never is.
package struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included, for errors that can pass.
    package var maximumAttempts: Int
    /// Attempts in all for answers that could not be read (malformed JSON, bad base64).
    package var maximumAttemptsForInvalidResponses: Int
    /// The first delay; each further one doubles.
    package var baseDelay: Duration
    /// The longest delay, also the cap on a `Retry-After`.
    package var maximumDelay: Duration

    package init(
        maximumAttempts: Int = 6,
        maximumAttemptsForInvalidResponses: Int = 3,
        baseDelay: Duration = .seconds(2),
        maximumDelay: Duration = .seconds(300)
    ) {
        self.maximumAttempts = maximumAttempts
        self.maximumAttemptsForInvalidResponses = maximumAttemptsForInvalidResponses
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }

    /// How long to wait before trying again after `attempt` attempts (1 for the first) ended in
    /// `error`, or nil to give up.
    ///
    /// - Parameter jitter: A number in `0..<1`; the delay is spread over half to all of the backoff.
    package func delay(after error: ImageInboxError, attempt: Int, jitter: Double) -> Duration? {
        guard error.isTransient else { return nil }
        let limit = error.code == .invalidResponse ? maximumAttemptsForInvalidResponses : maximumAttempts
        guard attempt < limit else { return nil }
        if let asked = error.retryAfter {
            return min(asked, maximumDelay)
        }
        let exponential = baseDelay * Double(1 << min(attempt - 1, 20))
        return min(exponential, maximumDelay) * (0.5 + 0.5 * min(max(jitter, 0), 1))
    }
}
