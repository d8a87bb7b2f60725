import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

/// A provider's rate limit slows everyone, not one worker: the daemon finds the limit by itself
/// and loses no request to it.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct RateLimitTests {
    @Test func aConcurrencyLimitBelowOursIsFoundAndNoJobIsLost() async throws {
        try await DaemonHarness.run { harness in
            harness.stub.limitConcurrency(to: 3)
            harness.stub.setLatency(milliseconds: 80...120)
            let retry = RetryPolicy(baseDelay: .milliseconds(50), maximumDelay: .milliseconds(400))
            var seen: [String] = []
            try await harness.withDaemon(concurrency: 8, retry: retry) {
                let ledger = try SQLiteLedger.openForReading(at: harness.stateDirectory + "/ledger.sqlite")
                for index in 1...60 { try harness.drop("p\(index).prompt", "Picture \(index)") }
                #expect(
                    try await eventually(timeout: .seconds(120)) {
                        if let shown = try await ledger.daemonState()["concurrency"], seen.last != shown { seen.append(shown) }
                        return harness.names().filter { $0.hasSuffix(".png") }.count == 60
                    }
                )
                // Additive increase, multiplicative decrease: a saw-tooth between half the limit and
                // one above it (the last few jobs, with nothing refused, may widen it a little more).
                let limits = seen.compactMap { Int($0.split(separator: " ")[0]) }
                #expect(limits.contains { $0 <= 3 }, "the limit was found: \(seen)")
                #expect(limits.allSatisfy { $0 < 8 } && limits.filter { $0 > 5 }.count <= 2, "and kept to: \(seen)")
            }
            #expect(!harness.names().contains { $0.hasSuffix(".error.txt") })
            let paid = harness.stub.paidPrompts
            #expect(paid.count == 60 && Set(paid).count == 60, "one paid request per prompt")
            let refused = harness.stub.refusedForConcurrency
            print("rate limit: 60 prompts, concurrency 8 against a limit of 3: \(refused) refused with 429, effective concurrency seen \(seen)")
            #expect(refused < 60, "the limit is found, not hammered: \(refused) refused")
        }
    }

    @Test func aRetryAfterHoldsEveryWorkerNotOnlyTheOneThatGotIt() async throws {
        try await DaemonHarness.run { harness in
            harness.stub.enqueue(.status(429, body: #"{"message":"Too many requests","statusCode":429}"#, headers: ["Retry-After": "1"]))
            try await harness.withDaemon(concurrency: 4) {
                let ledger = try SQLiteLedger.openForReading(at: harness.stateDirectory + "/ledger.sqlite")
                try harness.drop("first.prompt", "Told to wait")
                #expect(try await eventually { try await ledger.status(now: Date()).inboxes.first?.counts["retrying"] == 1 })
                try harness.drop("second.prompt", "Free worker")
                try harness.drop("third.prompt", "Another free worker")
                #expect(await eventually { ["first", "second", "third"].allSatisfy { harness.names().contains("\($0).png") } })
            }
            let requests = harness.stub.generationRequests
            #expect(requests.count == 4)
            let refusedAt = try #require(requests.first?.arrival)
            for request in requests.dropFirst() {
                #expect(request.arrival - refusedAt >= 0.95, "\(request.fields["prompt"] ?? ""): sent \(request.arrival - refusedAt) s after the 429")
            }
        }
    }
}
