import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

/// An API that fails for now costs the person nothing: the job is tried for the retry horizon,
/// the folder hears why the image is late, and nothing is paid twice.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct RetryHorizonTests {
    static let serverError = StubFault.status(500, body: #"{"message":"Internal server error","statusCode":500}"#)

    @Test func aPromptFailingEightTimesIsMadeAndItsFolderHearsWhyItIsLate() async throws {
        try await DaemonHarness.run { harness in
            for _ in 0..<8 { harness.stub.enqueue(Self.serverError) }
            let retry = RetryPolicy(noticeAfter: .milliseconds(300), baseDelay: .milliseconds(150), maximumDelay: .milliseconds(400))
            try await harness.withDaemon(retry: retry) {
                let ledger = try SQLiteLedger.openForReading(at: harness.stateDirectory + "/ledger.sqlite")
                try harness.drop("late.prompt", "A late train")
                #expect(await eventually { harness.names().contains("late.waiting.txt") }, "\(harness.names())")
                let note = String(decoding: (try? harness.bytes("late.waiting.txt")) ?? [], as: UTF8.self)
                #expect(note.contains("Nothing needs doing") && note.contains("HTTP 500") && note.contains("next attempt at"), "\(note)")
                #expect(try await eventually { try await ledger.status(now: Date()).inboxes.first?.counts["retrying"] == 1 }, "counted as retrying")
                #expect(await eventually { harness.names().contains("late.png") })
            }
            #expect(harness.stub.generationRequests.count == 9)
            #expect(!harness.names().contains("late.waiting.txt"), "the note goes when the image is made")
            #expect(!harness.names().contains("late.error.txt"))
            let job = try #require(try await SQLiteLedger.open(at: harness.stateDirectory + "/ledger.sqlite").allJobs().first)
            #expect(job.state == .done && job.failingSince == nil && job.nextAttemptAt == nil)
            #expect(job.requestID?.hasPrefix("req_stub") == true, "the provider's request id is kept")
        }
    }

    @Test func aJobFailingPastTheHorizonIsReportedWithTheProvidersRequestID() async throws {
        try await DaemonHarness.run { harness in
            for _ in 0..<100 { harness.stub.enqueue(Self.serverError) }
            let retry = RetryPolicy(giveUpAfter: .seconds(1), noticeAfter: .milliseconds(200), baseDelay: .milliseconds(100), maximumDelay: .milliseconds(200))
            try await harness.withDaemon(retry: retry) {
                try harness.drop("doomed.prompt", "A storm")
                #expect(await eventually { harness.names().contains("doomed.error.txt") })
            }
            #expect((3..<40).contains(harness.stub.generationRequests.count), "\(harness.stub.generationRequests.count)")
            #expect(!harness.names().contains("doomed.waiting.txt"), "the late note goes when the job fails")
            let text = String(decoding: try harness.bytes("doomed.error.txt"), as: UTF8.self)
            #expect(text.contains("failed on its side (HTTP 500)") && text.contains("Provider request: req_stub"), "\(text)")
        }
    }

    @Test func aLongRetryAfterPausesTheQueueInsteadOfFailingOrSleeping() async throws {
        try await DaemonHarness.run { harness in
            harness.stub.enqueue(.status(429, body: #"{"message":"Too many requests","statusCode":429}"#, headers: ["Retry-After": "600"]))
            try await harness.withDaemon {
                let ledger = try SQLiteLedger.openForReading(at: harness.stateDirectory + "/ledger.sqlite")
                try harness.drop("wait.prompt", "Patience")
                #expect(try await eventually { try await ledger.daemonState()["paused"]?.contains("asked to wait 10 min") == true })
                let job = try await ledger.allJobs().first
                #expect(job?.state == .queued && job?.failingSince != nil, "queued again, its failures remembered")
            }
            #expect(harness.stub.generationRequests.count == 1)
            #expect(!harness.names().contains("wait.error.txt"))
        }
    }

    @Test func aBilledAnswerThatCannotBeReadIsTriedOnceAndCounted() async throws {
        try await DaemonHarness.run { harness in
            harness.stub.enqueue(.malformedJSON, .malformedJSON, .malformedJSON)
            try await harness.withDaemon(concurrency: 1) {
                try harness.drop("broken.prompt", "Twice unreadable")
                #expect(await eventually { harness.names().contains("broken.error.txt") })
                try harness.drop("once.prompt", "Unreadable, then fine")
                #expect(await eventually { harness.names().contains("once.png") })
                try harness.drop("clean.prompt", "Fine at once")
                #expect(await eventually { harness.names().contains("clean.png") })
            }
            #expect(harness.stub.generationRequests.count == 5, "each unreadable answer is tried once more only")
            let text = String(decoding: try harness.bytes("broken.error.txt"), as: UTF8.self)
            #expect(text.contains("billed the request") && text.contains("paid again"), "\(text)")
            let jobs = try await SQLiteLedger.open(at: harness.stateDirectory + "/ledger.sqlite").allJobs()
            let broken = try #require(jobs.first { $0.sourcePath.hasSuffix("broken.prompt") })
            let once = try #require(jobs.first { $0.sourcePath.hasSuffix("once.prompt") })
            let clean = try #require(jobs.first { $0.sourcePath.hasSuffix("clean.prompt") })
            #expect(broken.state == .failed && (broken.usdSpent ?? 0) > 0 && broken.costIsEstimate, "both unreadable answers are counted")
            #expect(once.state == .done && once.costIsEstimate, "the unreadable answer's estimate is added")
            #expect((once.usdSpent ?? 0) > (clean.usdSpent ?? .infinity), "paid for two answers, one of them unusable")
        }
    }

    @Test func transientFaultsOnAHundredPromptsLoseNoJobAndPayOnce() async throws {
        try await DaemonHarness.run { harness in
            harness.stub.failRandomly(rateLimited: 0.05, serverError: 0.20, dropped: 0.05, seed: 42)
            let retry = RetryPolicy(baseDelay: .milliseconds(50), maximumDelay: .milliseconds(500))
            try await harness.withDaemon(concurrency: 8, retry: retry) {
                for index in 1...100 { try harness.drop("p\(index).prompt", "Picture \(index)") }
                #expect(await eventually(timeout: .seconds(120)) { harness.names().filter { $0.hasSuffix(".png") }.count == 100 })
            }
            #expect(!harness.names().contains { $0.hasSuffix(".error.txt") })
            let paid = harness.stub.paidPrompts
            #expect(paid.count == 100 && Set(paid).count == 100, "one paid request per prompt: \(paid.count) paid")
            #expect(harness.stub.generationRequests.count > 100, "the faults were played")
        }
    }
}
