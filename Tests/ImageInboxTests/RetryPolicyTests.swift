import ImageInbox
import Testing

struct RetryPolicyTests {
    let policy = RetryPolicy(maximumAttempts: 4, maximumAttemptsForInvalidResponses: 2, baseDelay: .seconds(2), maximumDelay: .seconds(10))

    func error(_ code: ImageInboxError.Code, retryAfter: Duration? = nil) -> ImageInboxError {
        ImageInboxError(code: code, message: "", retryAfter: retryAfter)
    }

    @Test func backoffDoublesIsCappedAndJittered() {
        #expect(policy.delay(after: error(.serverError), attempt: 1, jitter: 1) == .seconds(2))
        #expect(policy.delay(after: error(.serverError), attempt: 2, jitter: 1) == .seconds(4))
        #expect(policy.delay(after: error(.serverError), attempt: 3, jitter: 1) == .seconds(8))
        #expect(policy.delay(after: error(.timedOut), attempt: 3, jitter: 0) == .seconds(4))
        #expect(policy.delay(after: error(.connectionFailed), attempt: 4, jitter: 1) == nil)
        #expect(RetryPolicy(maximumAttempts: 9, maximumDelay: .seconds(10)).delay(after: error(.serverError), attempt: 8, jitter: 1) == .seconds(10))
    }

    @Test func retryAfterIsHonouredUpToTheCap() {
        #expect(policy.delay(after: error(.rateLimited, retryAfter: .seconds(7)), attempt: 1, jitter: 0.3) == .seconds(7))
        #expect(policy.delay(after: error(.rateLimited, retryAfter: .seconds(3600)), attempt: 1, jitter: 0.3) == .seconds(10))
    }

    @Test func unreadableAnswersAreRetriedLessOften() {
        #expect(policy.delay(after: error(.invalidResponse), attempt: 1, jitter: 1) != nil)
        #expect(policy.delay(after: error(.invalidResponse), attempt: 2, jitter: 1) == nil)
    }

    @Test(arguments: [
        ImageInboxError.Code.requestRejected, .moderationBlocked, .modelNotFound, .invalidParameter, .authenticationFailed, .quotaExhausted,
    ])
    func refusalsAreNeverRetried(code: ImageInboxError.Code) {
        #expect(policy.delay(after: error(code), attempt: 1, jitter: 0.5) == nil)
    }
}

struct ShouldRetryTests {
    @Test func theAPIsWordOnRetryingWinsOverTheCodeBothWays() {
        var serverError = ImageInboxError(code: .serverError, message: "HTTP 500")
        serverError.shouldRetry = false
        #expect(!serverError.isTransient)
        #expect(RetryPolicy().delay(after: serverError, attempt: 1, jitter: 0) == nil)
        var rejected = ImageInboxError(code: .requestRejected, message: "HTTP 400")
        rejected.shouldRetry = true
        #expect(rejected.isTransient)
        #expect(RetryPolicy().delay(after: rejected, attempt: 1, jitter: 0) != nil)
        #expect(!ImageInboxError(code: .unexpectedStatus, message: "HTTP 405").isTransient)
    }
}
