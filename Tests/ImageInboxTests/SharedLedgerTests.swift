import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

/// What only a ledger shared by several hosts does: claims, leases, global spend, inbox names,
/// and moving a host's history in. Against a real PostgreSQL server (`Tests/with-postgres`).
@Suite(.serialized, .enabled(if: TestDatabase.isAvailable, "needs the PostgreSQL server of Tests/with-postgres"))
struct SharedLedgerTests {
    static let inboxes = SharedInboxes([("design", "/srv/design")])

    func host(_ url: LedgerURL, inboxes: SharedInboxes = Self.inboxes) async throws -> PostgresLedger {
        try await PostgresLedger.open(url, inboxes: inboxes, lease: .seconds(3), access: .daemon, logger: TestDatabase.quietLogger)
    }

    func begin(_ ledger: PostgresLedger, _ name: String, now: Date = Date()) async throws -> JobRecord? {
        try await ledger.beginJob(sourcePath: "/srv/design/" + name, inbox: "/srv/design", contentHash: "h", kind: "generation", parameters: nil, now: now)
    }

    @Test func aJobRunsOnOneHostUntilThatHostFallsSilentThenAnotherTakesIt() async throws {
        let url = try await TestDatabase.make()
        let (first, second) = (try await host(url), try await host(url))
        defer { first.close(); second.close() }
        let claimed = try #require(try await begin(first, "a.prompt"))
        #expect(claimed.claimedBy == first.hostID)
        #expect(try await begin(second, "a.prompt") == nil)
        #expect(try await second.requeueInterrupted(now: Date()) == 0)

        // The first host's heartbeat stops: an hour ago, as far as the server knows.
        try await TestDatabase.execute("UPDATE host SET last_seen = now() - interval '1 hour' WHERE id = '\(first.hostID)'", in: url.database)
        #expect(try await second.requeueInterrupted(now: Date()) == 1)
        let taken = try #require(try await begin(second, "a.prompt"))
        #expect(taken.id == claimed.id && taken.attempts == 2 && taken.requeues == 1 && taken.claimedBy == second.hostID)
        let report = try await second.status(now: Date())
        #expect(report.hosts.map(\.id) == [second.hostID])
        #expect(report.hosts.first?.running == 1)
    }

    @Test func theDaysSpendIsEveryHosts() async throws {
        let url = try await TestDatabase.make()
        // Hosts mount the share at different places: the inbox name makes their jobs one.
        let (first, second) = (try await host(url), try await host(url, inboxes: SharedInboxes([("design", "/mnt/share")])))
        defer { first.close(); second.close() }
        let job = try #require(try await begin(first, "a.prompt"))
        try await first.recordSuccess(job, outputs: [], usage: APIUsage(usdSpent: 0.5), estimatedUSD: nil, requestID: nil, now: Date())
        #expect(try await second.cost(since: Date().addingTimeInterval(-60)) == 0.5)
        let seen = try #require(try await second.finishedJob(sourcePath: "/mnt/share/a.prompt", contentHash: "h"))
        #expect(seen.id == job.id && seen.inbox == "/mnt/share")
    }

    @Test func anInboxRenamedWhileTheLedgerHasItsJobsIsRefused() async throws {
        let url = try await TestDatabase.make()
        let original = try await host(url)
        _ = try await original.enqueue([JobArrival(sourcePath: "/srv/design/a.prompt", inbox: "/srv/design", contentHash: "h", kind: "generation")], now: Date())
        original.close()
        let error = await #expect(throws: ImageInboxError.self) { try await host(url, inboxes: SharedInboxes([("designers", "/srv/design")])) }
        #expect(error?.message.contains("knows it as 'design'") == true)
    }

    @Test func aHostsHistoryIsCopiedOnceAndItsFinishedJobsAreNotSentAgain() async throws {
        let url = try await TestDatabase.make()
        let local = try SQLiteLedger.inMemory()
        let job = try #require(try await local.beginJob(sourcePath: "/srv/design/a.prompt", inbox: "/srv/design", contentHash: "h", kind: "generation", parameters: nil, now: Date()))
        try await local.recordSuccess(job, outputs: ["/srv/design/a.png"], usage: APIUsage(usdSpent: 0.04), now: Date())
        _ = try await local.beginJob(sourcePath: "/srv/design/b.prompt", inbox: "/srv/design", contentHash: "h", kind: "generation", parameters: nil, now: Date())
        let outside = try #require(try await local.beginJob(sourcePath: "/elsewhere/c.prompt", inbox: "/elsewhere", contentHash: "h", kind: "generation", parameters: nil, now: Date()))
        try await local.recordSuccess(outside, outputs: [], usage: APIUsage(), now: Date())

        let shared = try await PostgresLedger.open(url, inboxes: Self.inboxes, access: .migrate, logger: TestDatabase.quietLogger)
        defer { shared.close() }
        let jobs = try await local.allJobs()
        #expect(try await shared.copy(jobs) == PostgresLedger.CopyCount(copied: 1, present: 0, outsideInboxes: 1))
        #expect(try await shared.copy(jobs) == PostgresLedger.CopyCount(copied: 0, present: 1, outsideInboxes: 1))
        #expect(try await shared.finishedJob(sourcePath: "/srv/design/a.prompt", contentHash: "h")?.usdSpent == 0.04)
        #expect(try await shared.beginJob(sourcePath: "/srv/design/a.prompt", inbox: "/srv/design", contentHash: "h", kind: "generation", parameters: nil, now: Date()) == nil)
    }

    @Test func aReaderOfAnEmptyDatabaseIsToldToStartADaemonFirst() async throws {
        let url = try await TestDatabase.make()
        let error = await #expect(throws: ImageInboxError.self) {
            try await PostgresLedger.open(url, inboxes: Self.inboxes, access: .read, logger: TestDatabase.quietLogger)
        }
        #expect(error?.message.contains("no image-inbox schema yet") == true)
    }

    @Test func aWrongPasswordIsNamedWithoutShowingIt() async throws {
        var url = try await TestDatabase.make()
        url.password = "not-the-password"
        let error = await #expect(throws: ImageInboxError.self) {
            try await PostgresLedger.open(url, inboxes: Self.inboxes, access: .daemon, logger: TestDatabase.quietLogger)
        }
        #expect(error?.message.contains("password authentication failed") == true)
        #expect(error?.message.contains("not-the-password") == false)
    }
}
