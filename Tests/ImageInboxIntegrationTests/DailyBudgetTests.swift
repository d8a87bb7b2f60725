import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

/// `max_usd_per_day` with many requests in flight: each reserves its estimated cost before it is
/// sent, so jobs running at once cannot together spend past the budget.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct DailyBudgetTests {
    @Test func requestsInFlightReserveTheirEstimateSoTheDayEndsAtOrUnderTheBudget() async throws {
        // The stub answers each image (1024x1024, none asked) with usd_spent: 327,680 credits at
        // $5 × 10⁻⁷, $0.16384. Before it is sent, a job reserves the price table's estimate for
        // what it asks (gpt-image-2, no size or quality: a high 1536x1024 image, $0.1872).
        let cost = 0.16384
        let asked = try ProviderProfile.profile(for: .aimlapi).resolve(ImageParameters())
        let estimate = try #require(
            PriceTable.standard.estimateUnreported(model: asked.model, size: asked.size, quality: asked.quality, count: asked.count)
        )
        try #require(estimate >= cost, "the arithmetic below needs an estimate that errs high")
        let budget = 1.00
        // Every job that started before the nth is spent or reserved, at least `cost` each, so
        // the nth starts only if (n − 1) × cost + estimate fits; with nothing in flight the next
        // always starts while that holds. With $1.00: 5 images, $0.8192 (a sixth would need
        // $0.8192 + $0.1872), and at most 5 requests at once (5 × $0.1872 = $0.936).
        let expected = Int(((budget - estimate) / cost).rounded(.down)) + 1
        let atOnce = Int(budget / estimate)
        let dayStarted = LocalDay.start(of: Date())
        try await DaemonHarness.run { harness in
            harness.stub.setLatency(milliseconds: 500...500)
            try await harness.withDaemon(concurrency: 8, maximumUSDPerDay: budget) {
                let ledger = try SQLiteLedger.openForReading(at: harness.stateDirectory + "/ledger.sqlite")
                for index in 1...20 {
                    try harness.drop("p\(index).prompt", "Picture \(index)")
                }
                // Published once a job finds the day's spend too high for its estimate: then no
                // release can make room, and nothing more is sent today.
                #expect(try await eventually { try await ledger.daemonState()["paused"]?.contains("daily budget") == true })
            }
            let made = harness.names().filter { $0.hasSuffix(".png") }
            #expect(made.count == expected, "\(made)")
            #expect(made.count < 20)
            #expect(harness.stub.generationRequests.count == expected)
            #expect(!harness.names().contains { $0.hasSuffix(".error.txt") })
            #expect(harness.stub.maximumInFlight <= atOnce, "no more in flight than the budget has room for")
            #expect(harness.stub.maximumInFlight > 1, "and still several at once")
            let spent = try await SQLiteLedger.open(at: harness.stateDirectory + "/ledger.sqlite").cost(since: dayStarted)
            #expect(spent <= budget)
            #expect(abs(spent - Double(expected) * cost) < 1e-9, "\(spent)")
        }
    }
}
