import ImageInbox
import Testing

struct RetryPolicyTests {
    let policy = RetryPolicy(giveUpAfter: .seconds(3600), maximumAttemptsForInvalidResponses: 2, baseDelay: .seconds(2), maximumDelay: .seconds(10))

    func error(_ code: ImageInboxError.Code, retryAfter: Duration? = nil) -> ImageInboxError {
        ImageInboxError(code: code, message: "", retryAfter: retryAfter)
    }

    func decision(_ error: ImageInboxError, attempt: Int, after elapsed: Duration = .zero, jitter: Double = 1, policy: RetryPolicy? = nil) -> RetryPolicy.Decision {
        (policy ?? self.policy).decision(after: error, attempt: attempt, failingFor: elapsed, jitter: jitter)
    }

    @Test func backoffDoublesIsCappedAndJittered() {
        #expect(decision(error(.serverError), attempt: 1) == .retry(after: .seconds(2)))
        #expect(decision(error(.serverError), attempt: 2) == .retry(after: .seconds(4)))
        #expect(decision(error(.serverError), attempt: 3) == .retry(after: .seconds(8)))
        #expect(decision(error(.timedOut), attempt: 3, jitter: 0) == .retry(after: .seconds(4)))
        #expect(decision(error(.serverError), attempt: 8) == .retry(after: .seconds(10)))
    }

    @Test func transientFailuresAreTriedForTheHorizonNotACount() {
        #expect(decision(error(.serverError), attempt: 500, after: .seconds(3599)) == .retry(after: .seconds(10)))
        #expect(decision(error(.connectionFailed), attempt: 3, after: .seconds(3600)) == .giveUp)
        let capped = RetryPolicy(maximumAttempts: 4, giveUpAfter: .seconds(3600))
        #expect(decision(error(.serverError), attempt: 3, policy: capped) != .giveUp)
        #expect(decision(error(.serverError), attempt: 4, policy: capped) == .giveUp, "max_attempts stays a cap")
    }

    @Test func retryAfterIsHonouredAndALongOnePausesTheQueue() {
        #expect(decision(error(.rateLimited, retryAfter: .seconds(7)), attempt: 1, jitter: 0.3) == .retry(after: .seconds(7)))
        #expect(decision(error(.rateLimited, retryAfter: .seconds(100)), attempt: 1) == .retry(after: .seconds(10)), "capped for a sleeping worker")
        #expect(decision(error(.rateLimited, retryAfter: .seconds(600)), attempt: 1) == .pauseQueue(for: .seconds(600)))
        #expect(decision(error(.rateLimited, retryAfter: .seconds(86_400)), attempt: 1) == .pauseQueue(for: .seconds(3600)), "never past the horizon")
        #expect(decision(error(.rateLimited, retryAfter: .seconds(600)), attempt: 9, after: .seconds(3600)) == .giveUp, "long waits end at the horizon too")
    }

    @Test func aBilledAnswerThatCannotBeReadIsTriedOnceMore() {
        #expect(decision(error(.invalidResponse), attempt: 1) != .giveUp)
        #expect(decision(error(.invalidResponse), attempt: 2) == .giveUp)
    }

    @Test(arguments: [
        ImageInboxError.Code.requestRejected, .moderationBlocked, .modelNotFound, .invalidParameter, .authenticationFailed, .quotaExhausted,
        .unexpectedStatus, .resultUnavailable,
    ])
    func refusalsAreNeverRetried(code: ImageInboxError.Code) {
        #expect(decision(error(code), attempt: 1, jitter: 0.5) == .giveUp)
    }
}

struct ShouldRetryTests {
    @Test func theAPIsWordOnRetryingWinsOverTheCodeBothWays() {
        var serverError = ImageInboxError(code: .serverError, message: "HTTP 500")
        serverError.shouldRetry = false
        #expect(!serverError.isTransient)
        #expect(RetryPolicy().decision(after: serverError, attempt: 1, failingFor: .zero, jitter: 0) == .giveUp)
        var rejected = ImageInboxError(code: .requestRejected, message: "HTTP 400")
        rejected.shouldRetry = true
        #expect(rejected.isTransient)
        #expect(RetryPolicy().decision(after: rejected, attempt: 1, failingFor: .zero, jitter: 0) != .giveUp)
        #expect(!ImageInboxError(code: .unexpectedStatus, message: "HTTP 405").isTransient)
    }
}
