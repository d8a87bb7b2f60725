import ImageInbox
import Testing

struct AdaptiveConcurrencyTests {
    @Test func aRateLimitHalvesTheWindowOncePerBurst() {
        var control = AdaptiveConcurrency(maximum: 8)
        #expect(control.limit == 8)
        let epoch = control.epoch
        #expect(control.rateLimited(sentIn: epoch) == 4)
        // The rest of the burst was sent to the old window: it says nothing new.
        #expect(control.rateLimited(sentIn: epoch) == nil)
        #expect(control.limit == 4)
        #expect(control.rateLimited(sentIn: control.epoch) == 2)
        #expect(control.rateLimited(sentIn: control.epoch) == 1)
        #expect(control.rateLimited(sentIn: control.epoch) == nil, "never below one")
        #expect(control.limit == 1)
    }

    @Test func successesWidenItByOneRequestPerWindow() {
        var control = AdaptiveConcurrency(maximum: 8)
        _ = control.rateLimited(sentIn: control.epoch)
        _ = control.rateLimited(sentIn: control.epoch)
        #expect(control.limit == 2)
        func successesToWiden() -> Int {
            var count = 1
            while control.succeeded() == nil { count += 1 }
            return count
        }
        // About a window's worth of successes for each further request.
        #expect(successesToWiden() == 3 && control.limit == 3)
        #expect(successesToWiden() == 3 && control.limit == 4)
        #expect((4...5).contains(successesToWiden()) && control.limit == 5)
        for _ in 0..<100 { _ = control.succeeded() }
        #expect(control.limit == 8, "never above the configured concurrency")
    }

    @Test func aReloadKeepsWhatWasLearnedWithinTheNewMaximum() {
        var control = AdaptiveConcurrency(maximum: 8)
        _ = control.rateLimited(sentIn: control.epoch)
        control.setMaximum(2)
        #expect(control.limit == 2)
        control.setMaximum(16)
        #expect(control.limit == 2, "a larger maximum is approached by successes")
    }

    @Test func openAIsResetDurationsAreRead() {
        #expect(RateLimitHeaders.duration("1s") == .seconds(1))
        #expect(RateLimitHeaders.duration("6m0s") == .seconds(360))
        #expect(RateLimitHeaders.duration("20ms") == .milliseconds(20))
        #expect(RateLimitHeaders.duration("1h2m3.5s") == .milliseconds(3_723_500))
        #expect(RateLimitHeaders.duration("2.5") == .milliseconds(2500))
        #expect(RateLimitHeaders.duration("soon") == nil)
        #expect(RateLimitHeaders.duration("inf") == nil && RateLimitHeaders.duration("1e20") == .seconds(86_400), "no header can trap")
        #expect(RateLimitHeaders.duration("99999999999999999999h") == .seconds(86_400))
        let exhausted = RateLimitHeaders(remainingRequests: "0", resetRequests: "1.5s", remainingTokens: "1200", resetTokens: "30s")
        #expect(exhausted.wait == .milliseconds(1500), "only a limit with nothing left holds requests")
        #expect(RateLimitHeaders(remainingRequests: "3", resetRequests: "1s").wait == nil)
    }
}
