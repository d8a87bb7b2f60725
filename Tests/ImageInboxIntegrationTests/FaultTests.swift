import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

/// Every way the API can misbehave ends as designed: eventual success, a clear error file, or a
/// paused queue, with the number of requests it took.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct FaultTests {
    static let rateLimit = StubFault.status(
        429, body: #"{"message":"Too many requests","statusCode":429,"path":"/v1/images/generations"}"#, headers: ["Retry-After": "1"]
    )

    @Test(arguments: [
        ("429 with Retry-After", [rateLimit]),
        ("500", [StubFault.status(500, body: #"{"message":"Internal server error","statusCode":500}"#)]),
        ("503 twice", [StubFault.status(503, body: "upstream unavailable"), .status(503, body: "upstream unavailable")]),
        ("connection dropped mid-response", [.dropConnection]),
        ("malformed JSON", [.malformedJSON]),
        ("bad base64", [.badBase64]),
    ])
    func transientFaultsEndInSuccess(name: String, faults: [StubFault]) async throws {
        try await DaemonHarness.run { harness in
            for fault in faults { harness.stub.enqueue(fault) }
            let started = ContinuousClock.now
            try await harness.withDaemon {
                try harness.drop("cat.prompt", "A cat")
                #expect(await eventually { harness.names().contains("cat.png") }, "\(name)")
            }
            #expect(harness.stub.generationRequests.count == faults.count + 1, "\(name)")
            #expect(!harness.names().contains("cat.error.txt"))
            if name.hasPrefix("429") {
                #expect(ContinuousClock.now - started >= .seconds(1), "Retry-After honoured")
            }
        }
    }

    @Test func aResponseSlowerThanTheTimeoutIsRetried() async throws {
        try await DaemonHarness.run { harness in
            harness.stub.enqueue(.delay(.seconds(3)))
            try await harness.withDaemon(requestTimeout: .seconds(1)) {
                try harness.drop("slow.prompt", "A sloth")
                #expect(await eventually { harness.names().contains("slow.png") })
            }
            #expect(harness.stub.generationRequests.count == 2)
        }
    }

    @Test func aURLThatIsGoneIsReportedWithoutPayingAgain() async throws {
        try await DaemonHarness.run { harness in
            harness.stub.enqueue(.missingURL)
            try await harness.withDaemon(responseFormat: "url") {
                try harness.drop("gone.prompt", "A ghost")
                #expect(await eventually { harness.names().contains("gone.error.txt") })
            }
            #expect(harness.stub.generationRequests.count == 1, "a gone link is not a reason to pay again")
            let note = String(decoding: try harness.bytes("gone.error.txt"), as: UTF8.self)
            #expect(note.contains("HTTP 404") && note.contains("paid for"), "\(note)")
        }
    }

    @Test func failedDownloadsAreDownloadedAgainAndNeverGeneratedAgain() async throws {
        try await DaemonHarness.run { harness in
            // Every result's first two downloads fail (a 503, then a body cut short).
            harness.stub.failEachDownload(times: 2)
            try await harness.withDaemon(responseFormat: "url", concurrency: 4) {
                for index in 1...8 { try harness.drop("p\(index).prompt", "Picture \(index)") }
                #expect(await eventually(timeout: .seconds(60)) { (1...8).allSatisfy { harness.names().contains("p\($0).png") } }, "\(harness.names())")
            }
            #expect(harness.stub.generationRequests.count == 8, "one generation per prompt")
            #expect(harness.stub.downloadRequests.count == 24, "three downloads per image")
            #expect(!harness.names().contains { $0.hasSuffix(".error.txt") })
        }
    }

    @Test func anAPIThatKeepsFailingIsReportedAtTheCapOnAttempts() async throws {
        try await DaemonHarness.run { harness in
            for _ in 0..<6 { harness.stub.enqueue(.status(500, body: #"{"message":"Internal server error","statusCode":500}"#)) }
            try await harness.withDaemon(retry: RetryPolicy(maximumAttempts: 6, baseDelay: .milliseconds(100), maximumDelay: .seconds(2))) {
                try harness.drop("doomed.prompt", "A storm")
                #expect(await eventually { harness.names().contains("doomed.error.txt") })
            }
            #expect(harness.stub.generationRequests.count == 6)
            let text = String(decoding: try harness.bytes("doomed.error.txt"), as: UTF8.self)
            #expect(text.contains("failed on its side (HTTP 500)"))
            #expect(text.contains("Save \"doomed.prompt\" again"))
        }
    }

    @Test(arguments: [
        ("401", StubFault.status(401, body: #"{"message":"Invalid API key","statusCode":401,"path":"/v1/images/generations"}"#)),
        ("402", StubFault.status(402, body: #"{"message":"Not enough credits","statusCode":402,"path":"/v1/images/generations"}"#)),
        (
            "billing limit",
            StubFault.status(
                400, body: #"{"error":{"message":"Billing hard limit has been reached","type":"invalid_request_error","param":null,"code":"billing_hard_limit_reached"}}"#
            )
        ),
    ])
    func aRefusedKeyOrNoCreditPausesTheQueueAndNoJobFails(name: String, fault: StubFault) async throws {
        try await DaemonHarness.run { harness in
            harness.stub.enqueue(fault, fault)
            let started = ContinuousClock.now
            try await harness.withDaemon(concurrency: 1, pauseProbeInterval: .seconds(1)) {
                try harness.drop("a.prompt", "First")
                #expect(await eventually { harness.stub.generationRequests.count == 1 })
                try harness.drop("b.prompt", "Second")
                // Paused: b waits, and a is probed again after the probe interval, fails again, waits again.
                #expect(await eventually { harness.names().contains("a.png") && harness.names().contains("b.png") }, "\(name)")
            }
            #expect(ContinuousClock.now - started >= .seconds(2), "two probe intervals passed")
            #expect(harness.stub.generationRequests.count == 4, "\(name): 2 refused + 2 done")
            #expect(harness.names().filter { $0.hasSuffix(".error.txt") }.isEmpty, "no job failed for a refused key")
        }
    }

    @Test func theDailyBudgetPausesNewJobs() async throws {
        try await DaemonHarness.run { harness in
            // The stub's image costs $0.16384, and a job reserves the price table's estimate
            // before it is sent, about $0.19: the first fits $0.30, the second no longer does.
            try await harness.withDaemon(concurrency: 1, maximumUSDPerDay: 0.30) {
                try harness.drop("first.prompt", "Spends the budget")
                #expect(await eventually { harness.names().contains("first.png") })
                try harness.drop("second.prompt", "Waits for tomorrow")
                try await Task.sleep(for: .seconds(2))
            }
            #expect(harness.stub.generationRequests.count == 1)
            #expect(!harness.names().contains("second.png"))
            #expect(!harness.names().contains("second.error.txt"))
            let ledger = try SQLiteLedger.open(at: harness.stateDirectory + "/ledger.sqlite")
            #expect(try await ledger.daemonState()["paused"]?.contains("daily budget") == true)
        }
    }

    @Test func creditsOnlyResponsesAreCostedAndKeepTheDailyBudget() async throws {
        try await DaemonHarness.run { harness in
            // The stub's gpt-image-1.5 reports 327,680 credits a 1024x1024 image and no dollars:
            // $0.16384 at the AI/ML API's $5 × 10⁻⁷ a credit. Each job first reserves the estimate
            // of a high 1536x1024 image at $32 per million output tokens, $0.19968: $0.40 a day
            // allows two ($0.16384 + $0.19968 fits, $0.32768 + $0.19968 does not).
            try await harness.withDaemon(concurrency: 1, maximumUSDPerDay: 0.40) {
                let ledger = try SQLiteLedger.openForReading(at: harness.stateDirectory + "/ledger.sqlite")
                for index in 1...4 {
                    try harness.drop("p\(index).prompt", "---\nmodel: openai/gpt-image-1-5\n---\nPicture \(index)")
                }
                #expect(try await eventually { try await ledger.daemonState()["paused"]?.contains("daily budget") == true })
            }
            #expect(harness.stub.generationRequests.count == 2)
            #expect(harness.names().filter { $0.hasSuffix(".png") }.count == 2)
            #expect(!harness.names().contains { $0.hasSuffix(".error.txt") })
            let done = try await SQLiteLedger.open(at: harness.stateDirectory + "/ledger.sqlite").allJobs().filter { $0.state == .done }
            #expect(done.count == 2)
            for job in done {
                #expect(abs((job.usdSpent ?? 0) - 0.16384) < 1e-9, "\(String(describing: job.usdSpent))")
                #expect(job.costIsEstimate, "a cost from credits is marked as estimated")
            }
        }
    }
}
