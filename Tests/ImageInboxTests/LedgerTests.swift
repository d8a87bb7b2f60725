import Foundation
import ImageInbox
import Testing

struct LedgerTests {
    @Test func finishedContentIsFoundAgain() async throws {
        let ledger = try SQLiteLedger.inMemory()
        let now = Date()
        let job = try #require(try await ledger.beginJob(sourcePath: "/in/cat.prompt", contentHash: "abc", kind: "generation", parameters: nil, now: now))
        #expect(job.state == .running && job.attempts == 1)
        #expect(try await ledger.finishedJob(sourcePath: "/in/cat.prompt", contentHash: "abc") == nil)
        try await ledger.recordSuccess(job, outputs: ["/in/cat.png"], usage: APIUsage(usdSpent: 0.04), now: now)
        let done = try #require(try await ledger.finishedJob(sourcePath: "/in/cat.prompt", contentHash: "abc"))
        #expect(done.outputPaths == ["/in/cat.png"])
        #expect(done.usdSpent == 0.04)
        #expect(try await ledger.finishedJob(sourcePath: "/in/cat.prompt", contentHash: "other") == nil)
    }

    @Test func anUnfinishedJobIsResumedNotDuplicated() async throws {
        let ledger = try SQLiteLedger.inMemory()
        let first = try #require(try await ledger.beginJob(sourcePath: "/in/a.prompt", contentHash: "h", kind: "generation", parameters: nil, now: Date()))
        let second = try #require(try await ledger.beginJob(sourcePath: "/in/a.prompt", contentHash: "h", kind: "generation", parameters: nil, now: Date()))
        #expect(second.id == first.id)
        #expect(second.attempts == 2)
        #expect(try await ledger.allJobs().count == 1)
    }

    @Test func failuresAreRecordedWithTheirReason() async throws {
        let ledger = try SQLiteLedger.inMemory()
        let record = JobRecord(sourcePath: "/in/b.prompt", contentHash: "x", kind: "generation", state: .failed, now: Date())
        try await ledger.recordFailure(record, error: ImageInboxError(code: .invalidParameter, message: "size 'x' is bad"), now: Date())
        let failed = try #require(try await ledger.finishedJob(sourcePath: "/in/b.prompt", contentHash: "x"))
        #expect(failed.errorCode == "invalid_parameter")
        #expect(failed.lastError == "size 'x' is bad")
        #expect(try await ledger.countsByState() == [.failed: 1])
    }

    @Test func theDaysFiguresCountSpendAndFailuresSinceTheDayBegan() async throws {
        let ledger = try SQLiteLedger.inMemory()
        let today = Date()
        let yesterday = today.addingTimeInterval(-86400)
        let old = try #require(try await ledger.beginJob(sourcePath: "/in/old.prompt", contentHash: "o", kind: "generation", parameters: nil, now: yesterday))
        try await ledger.recordSuccess(old, outputs: ["/in/old.png"], usage: APIUsage(usdSpent: 1), now: yesterday)
        let made = try #require(try await ledger.beginJob(sourcePath: "/in/a.prompt", contentHash: "a", kind: "generation", parameters: nil, now: today))
        try await ledger.recordSuccess(made, outputs: ["/in/a.png"], usage: APIUsage(usdSpent: 0.04), now: today)
        // A failed job that was billed counts in both figures.
        let billed = JobRecord(sourcePath: "/in/b.prompt", contentHash: "b", kind: "generation", state: .failed, now: today)
        try await ledger.recordFailure(billed, error: ImageInboxError(code: .outputFailed, message: "disk full"), billedUSD: 0.02, now: today)
        let invalid = JobRecord(sourcePath: "/in/c.prompt", contentHash: "c", kind: "generation", state: .failed, now: yesterday)
        try await ledger.recordFailure(invalid, error: ImageInboxError(code: .invalidParameter, message: "size 'x' is bad"), now: yesterday)
        let figures = try await ledger.figures(since: today.addingTimeInterval(-60))
        #expect(abs(figures.usd - 0.06) < 1e-9)
        #expect(figures.failed == 1)
        #expect(try await ledger.figures(since: yesterday.addingTimeInterval(-60)).failed == 2)
    }

    @Test func commitsThatMoneyDependsOnRunAtFullSyncAndQueuedOnesAtNormal() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-sync-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ledger = try SQLiteLedger.open(at: folder + "/ledger.sqlite")
        // 2 is FULL: a commit that records a paid request survives a power cut.
        #expect(try await ledger.commitSyncLevel() == 2)
        // A queued job may be lost (the next scan finds its file): its commit waits for no sync
        // (1, NORMAL), and the start of its request is synced again.
        let queued = try await ledger.enqueue(sourcePath: "/in/a.prompt", inbox: "/in", contentHash: "h", kind: "generation", now: Date())
        #expect(try await ledger.commitSyncLevel() == 1)
        let started = try #require(try await ledger.beginJob(sourcePath: "/in/a.prompt", contentHash: "h", kind: "generation", parameters: nil, now: Date()))
        #expect(started.id == queued.id)
        #expect(try await ledger.commitSyncLevel() == 2)
    }
}
