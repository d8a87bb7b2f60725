/// When a failed request is tried again, and after how long.
///
/// Connection errors, timeouts, 408, 409, 429 and 5xx are retried with capped exponential
/// backoff and jitter, honouring the API's `Retry-After`, for as long as ``giveUpAfter`` (a day
/// by default): the API failing for a while is not the person's fault. An unreadable answer
/// was billed, so it is tried once more only; a refused request (400, moderation, unknown
/// model) never is. A `Retry-After` longer than ``pauseBeyond`` pauses the whole queue instead
/// of one worker sleeping through it.
package struct RetryPolicy: Sendable, Equatable {
    /// What to do after a failed attempt.
    package enum Decision: Sendable, Equatable {
        /// Try again after this delay.
        case retry(after: Duration)
        /// The API asked every request to wait this long: pause the queue.
        case pauseQueue(for: Duration)
        /// Report the job as failed.
        case giveUp
    }

    /// Attempts in all, the first included, for errors that can pass; nil for no cap but the
    /// time (``giveUpAfter``).
    package var maximumAttempts: Int?
    /// How long a job keeps being tried while its failures are transient, from its first failure.
    package var giveUpAfter: Duration
    /// How long a job fails before its folder hears why the image is late (`NAME.waiting.txt`).
    package var noticeAfter: Duration
    /// Attempts in all for answers that could not be read (malformed JSON, bad base64).
    package var maximumAttemptsForInvalidResponses: Int
    /// The first delay; each further one doubles.
    package var baseDelay: Duration
    /// The longest delay, also the cap on a `Retry-After` that a worker sleeps through.
    package var maximumDelay: Duration
    /// A `Retry-After` longer than this pauses the queue until then.
    package var pauseBeyond: Duration

    package init(
        maximumAttempts: Int? = nil,
        giveUpAfter: Duration = .seconds(86_400),
        noticeAfter: Duration = .seconds(300),
        maximumAttemptsForInvalidResponses: Int = 2,
        baseDelay: Duration = .seconds(2),
        maximumDelay: Duration = .seconds(300),
        pauseBeyond: Duration = .seconds(120)
    ) {
        self.maximumAttempts = maximumAttempts
        self.giveUpAfter = giveUpAfter
        self.noticeAfter = noticeAfter
        self.maximumAttemptsForInvalidResponses = maximumAttemptsForInvalidResponses
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.pauseBeyond = pauseBeyond
    }

    /// What to do after `attempt` attempts (1 for the first) ended in `error`, `failingFor`
    /// after the job's first failure.
    ///
    /// - Parameter jitter: A number in `0..<1`; the delay is spread over half to all of the backoff.
    package func decision(after error: ImageInboxError, attempt: Int, failingFor elapsed: Duration, jitter: Double) -> Decision {
        guard error.isTransient else { return .giveUp }
        if error.code == .invalidResponse {
            guard attempt < maximumAttemptsForInvalidResponses else { return .giveUp }
        } else if let maximumAttempts, attempt >= maximumAttempts {
            return .giveUp
        }
        guard elapsed < giveUpAfter else { return .giveUp }
        if let asked = error.retryAfter, asked > pauseBeyond {
            return .pauseQueue(for: min(asked, giveUpAfter))
        }
        if let asked = error.retryAfter {
            return .retry(after: min(asked, maximumDelay))
        }
        return .retry(after: backoff(attempt: attempt, jitter: jitter))
    }

    /// The capped exponential backoff after `attempt` attempts, spread by `jitter`.
    package func backoff(attempt: Int, jitter: Double) -> Duration {
        let exponential = baseDelay * Double(1 << min(max(attempt - 1, 0), 20))
        return min(exponential, maximumDelay) * (0.5 + 0.5 * min(max(jitter, 0), 1))
    }
}
