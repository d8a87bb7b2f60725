import Foundation
import ImageInbox
import Testing

struct LedgerTests {
    @Test func finishedContentIsFoundAgain() async throws {
        let ledger = try Ledger.inMemory()
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
        let ledger = try Ledger.inMemory()
        let first = try #require(try await ledger.beginJob(sourcePath: "/in/a.prompt", contentHash: "h", kind: "generation", parameters: nil, now: Date()))
        let second = try #require(try await ledger.beginJob(sourcePath: "/in/a.prompt", contentHash: "h", kind: "generation", parameters: nil, now: Date()))
        #expect(second.id == first.id)
        #expect(second.attempts == 2)
        #expect(try await ledger.allJobs().count == 1)
    }

    @Test func failuresAreRecordedWithTheirReason() async throws {
        let ledger = try Ledger.inMemory()
        let record = JobRecord(sourcePath: "/in/b.prompt", contentHash: "x", kind: "generation", state: .failed, now: Date())
        try await ledger.recordFailure(record, error: ImageInboxError(code: .invalidParameter, message: "size 'x' is bad"), now: Date())
        let failed = try #require(try await ledger.finishedJob(sourcePath: "/in/b.prompt", contentHash: "x"))
        #expect(failed.errorCode == "invalid_parameter")
        #expect(failed.lastError == "size 'x' is bad")
        #expect(try await ledger.countsByState() == [.failed: 1])
    }
}
