import Foundation
import ImageInbox
import ImageInboxTestSupport
import RawFileNames
import Testing

/// The ledger's contract, held by both stores: SQLite (one host) and PostgreSQL (a real server
/// started by `Tests/with-postgres`; skipped without one).
@Suite(.serialized)
struct LedgerContractTests {
    enum Store: String, CustomTestStringConvertible, CaseIterable {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    static let inbox = "/srv/design"
    static let stores = Store.allCases.filter { $0 == .sqlite || TestDatabase.isAvailable }

    /// A fresh, empty ledger of the store.
    static func ledger(_ store: Store) async throws -> any JobLedger {
        switch store {
        case .sqlite:
            return try SQLiteLedger.inMemory()
        case .postgres:
            return try await PostgresLedger.open(
                try await TestDatabase.make(), inboxes: SharedInboxes([("design", inbox)]), access: .daemon, logger: TestDatabase.quietLogger
            )
        }
    }

    func arrival(_ name: String, _ hash: String = "h") -> JobArrival {
        JobArrival(sourcePath: Self.inbox + "/" + name, inbox: Self.inbox, contentHash: hash, kind: "generation")
    }

    func begin(_ ledger: any JobLedger, _ name: String, _ hash: String = "h", now: Date = Date()) async throws -> JobRecord? {
        try await ledger.beginJob(sourcePath: Self.inbox + "/" + name, inbox: Self.inbox, contentHash: hash, kind: "generation", parameters: "{}", now: now)
    }

    @Test(arguments: stores) func enqueueingTheSameContentAgainKeepsOneJob(_ store: Store) async throws {
        let ledger = try await Self.ledger(store)
        let first = try await ledger.enqueue([arrival("a.prompt"), arrival("b.prompt")], now: Date())
        let again = try await ledger.enqueue([arrival("b.prompt"), arrival("a.prompt")], now: Date())
        #expect(first.map(\.state) == [.queued, .queued])
        #expect(again.map(\.id) == [first[1].id, first[0].id])
        #expect(try await ledger.status(now: Date()).inboxes.first?.counts["queued"] == 2)
    }

    @Test(arguments: stores) func aFinishedContentIsNeverStartedAgain(_ store: Store) async throws {
        let ledger = try await Self.ledger(store)
        let job = try #require(try await begin(ledger, "cat.prompt"))
        #expect(job.state == .running && job.attempts == 1)
        #expect(try await ledger.finishedJob(sourcePath: Self.inbox + "/cat.prompt", contentHash: "h") == nil)
        try await ledger.recordSuccess(job, outputs: [Self.inbox + "/cat.png"], usage: APIUsage(usdSpent: 0.04), estimatedUSD: nil, requestID: "req_1", now: Date())
        let done = try #require(try await ledger.finishedJob(sourcePath: Self.inbox + "/cat.prompt", contentHash: "h"))
        #expect(done.outputPaths == [Self.inbox + "/cat.png"] && done.usdSpent == 0.04 && done.requestID == "req_1")
        #expect(try await begin(ledger, "cat.prompt") == nil)
        #expect(try await ledger.enqueue([arrival("cat.prompt")], now: Date()).first?.state == .done)
        // Other content of the same file is another job.
        #expect(try await begin(ledger, "cat.prompt", "other")?.attempts == 1)
    }

    @Test(arguments: stores) func unusableAnswersAndTheResultAddUpToTheJobsCost(_ store: Store) async throws {
        let ledger = try await Self.ledger(store)
        let today = Date()
        let job = try #require(try await begin(ledger, "a.prompt", now: today))
        try await ledger.addCost(jobID: job.id, usd: 0.01, now: today)
        #expect(abs(try await ledger.cost(since: today.addingTimeInterval(-60)) - 0.01) < 1e-9)
        try await ledger.recordSuccess(job, outputs: [], usage: APIUsage(usdSpent: 0.04), estimatedUSD: nil, requestID: nil, now: today)
        let billed = JobRecord(sourcePath: Self.inbox + "/b.prompt", inbox: Self.inbox, contentHash: "b", kind: "generation", state: .failed, now: today)
        _ = try await ledger.recordFailure(sourcePath: billed.sourcePath, inbox: Self.inbox, contentHash: "b", kind: "generation", error: ImageInboxError(code: .invalidSource, message: "empty"), now: today)
        let failed = try #require(try await ledger.failedJobs(sourcePath: billed.sourcePath).first)
        try await ledger.recordFailure(failed, error: ImageInboxError(code: .outputFailed, message: "disk full"), billedUSD: 0.02, costIsEstimate: true, now: today)
        let figures = try await ledger.figures(since: today.addingTimeInterval(-60))
        #expect(abs(figures.usd - 0.07) < 1e-9)
        #expect(figures.failed == 1)
        let done = try #require(try await ledger.finishedJob(sourcePath: Self.inbox + "/a.prompt", contentHash: "h"))
        #expect(abs((done.usdSpent ?? 0) - 0.05) < 1e-9 && done.costIsEstimate)
        #expect(abs(try await ledger.cost(since: today.addingTimeInterval(-60), inFolder: Self.inbox) - 0.07) < 1e-9)
        let report = try await ledger.status(now: today)
        #expect(abs(report.costToday - 0.07) < 1e-9)
        #expect(report.inboxes.first?.failures.first?.message == "disk full")
    }

    @Test(arguments: stores) func aRequeuedJobWaitsAndARetriedFailureRunsAgain(_ store: Store) async throws {
        let ledger = try await Self.ledger(store)
        var job = try #require(try await begin(ledger, "a.prompt"))
        let since = Date().addingTimeInterval(-30)
        try await ledger.recordRetry(job, error: ImageInboxError(code: .serverError, message: "503"), failingSince: since, nextAttempt: Date(), now: Date())
        job.failingSince = since
        try await ledger.requeue(job, now: Date())
        let queued = try #require(try await ledger.enqueue([arrival("a.prompt")], now: Date()).first)
        #expect(queued.state == .queued && queued.attempts == 1)
        #expect(abs((queued.failingSince ?? .distantPast).timeIntervalSince(since)) < 0.01)
        let again = try #require(try await begin(ledger, "a.prompt"))
        try await ledger.recordFailure(again, error: ImageInboxError(code: .moderationBlocked, message: "refused"), billedUSD: nil, costIsEstimate: false, now: Date())
        #expect(try await ledger.reopenFailedJobs(sourcePath: Self.inbox + "/a.prompt", contentHashes: ["other"], batch: false, now: Date()).isEmpty)
        let reopened = try await ledger.reopenFailedJobs(sourcePath: Self.inbox + "/a.prompt", contentHashes: nil, batch: false, now: Date())
        #expect(reopened.map(\.manualRetries) == [1] && reopened.map(\.state) == [.queued])
        #expect(try await ledger.finishedJob(sourcePath: Self.inbox + "/a.prompt", contentHash: "h") == nil)
    }

    @Test(arguments: stores) func waitsForPartsEndAndQueuedJobsOfGoneFilesAreCancelled(_ store: Store) async throws {
        let ledger = try await Self.ledger(store)
        let began = Date().addingTimeInterval(-600)
        let waiting = try await ledger.recordWaiting(sourcePath: Self.inbox + "/e.edit.txt", inbox: Self.inbox, contentHash: "w", now: began)
        #expect(try await ledger.recordWaiting(sourcePath: Self.inbox + "/e.edit.txt", inbox: Self.inbox, contentHash: "w", now: Date()).id == waiting.id)
        #expect(abs((try await ledger.earliestWait() ?? .distantFuture).timeIntervalSince(began)) < 0.01)
        #expect(try await ledger.waitingJobs(since: Date()).map(\.id) == [waiting.id])
        try await ledger.cancelWaitingJobs(sourcePath: Self.inbox + "/e.edit.txt", now: Date())
        #expect(try await ledger.earliestWait() == nil)
        _ = try await ledger.enqueue([arrival("gone.prompt")], now: Date())
        try await ledger.cancelQueuedJobs(sourcePath: Self.inbox + "/gone.prompt", now: Date())
        #expect(try await ledger.status(now: Date()).inboxes.first?.counts == ["cancelled": 2])
    }

    @Test(arguments: stores) func aNameThatIsNotUTF8IsKeptByteForByte(_ store: Store) async throws {
        let ledger = try await Self.ledger(store)
        let name = RawFileName.decode(Array("caf".utf8) + [0xE9] + Array(".prompt".utf8))
        let job = try #require(try await begin(ledger, name))
        try await ledger.recordSuccess(job, outputs: [], usage: APIUsage(), now: Date())
        let done = try #require(try await ledger.finishedJob(sourcePath: Self.inbox + "/" + name, contentHash: "h"))
        #expect(RawFileName.bytes(of: done.sourcePath) == RawFileName.bytes(of: Self.inbox + "/" + name))
        #expect(try await ledger.finishedContentHashes(sourcePath: Self.inbox + "/" + name) == ["h"])
    }

    @Test(arguments: stores) func thePauseIsPublished(_ store: Store) async throws {
        let ledger = try await Self.ledger(store)
        try await ledger.setDaemonState("paused", "the API refused the key", now: Date())
        #expect(try await ledger.daemonState()["paused"] == "the API refused the key")
        #expect(try await ledger.status(now: Date()).paused == "the API refused the key")
        try await ledger.setDaemonState("paused", nil, now: Date())
        #expect(try await ledger.daemonState()["paused"] == nil)
    }

    @Test(arguments: stores) func theModelsOfTheLastDaysJobsAreInUse(_ store: Store) async throws {
        let ledger = try await Self.ledger(store)
        let now = Date()
        func start(_ name: String, _ parameters: String?, at date: Date) async throws {
            _ = try await ledger.beginJob(sourcePath: Self.inbox + "/" + name, inbox: Self.inbox, contentHash: name, kind: "generation", parameters: parameters, now: date)
        }
        try await start("old.prompt", #"{"model":"gpt-image-1","count":1}"#, at: now.addingTimeInterval(-10 * 86_400))
        try await start("a.prompt", #"{"model":"gpt-image-2","count":1}"#, at: now)
        try await start("b.prompt", #"{"count":2,"model":"gpt-image-2"}"#, at: now.addingTimeInterval(-60))
        try await start("c.prompt", #"{"model":"gpt-image-1.5"}"#, at: now.addingTimeInterval(-6 * 86_400))
        try await start("d.prompt", "{}", at: now)
        try await start("e.prompt", nil, at: now)
        _ = try await ledger.recordFailure(
            sourcePath: Self.inbox + "/f.prompt", inbox: Self.inbox, contentHash: "f", kind: "generation",
            error: ImageInboxError(code: .invalidSource, message: "empty"), now: now
        )
        #expect(try await ledger.modelsUsed(since: now.addingTimeInterval(-7 * 86_400)) == ["gpt-image-2", "gpt-image-1.5"])
        #expect(try await ledger.modelsUsed(since: now.addingTimeInterval(3_600)).isEmpty)
    }

    @Test(arguments: stores) func theRetiringModelsArePublishedWithTheirDaysLeft(_ store: Store) async throws {
        let ledger = try await Self.ledger(store)
        let now = Date(timeIntervalSince1970: 1_796_644_800)
        try await ledger.setDaemonState(
            StatusReport.retiringModelsKey, #"[{"model":"gpt-image-2","replacement":"gpt-image-2.6-flare","shutdownDate":"2026-12-27"}]"#, now: now
        )
        let report = try await ledger.status(now: now)
        #expect(report.retiringModels.map(\.daysLeft) == [20])
        #expect(report.text.contains("warning: model gpt-image-2 shuts down on 2026-12-27 (20 days); its replacement: gpt-image-2.6-flare"))
        #expect(report.json.contains(#""days_left" : 20"#))
    }
}

struct LedgerURLTests {
    @Test func sslModesFollowLibpqAndThePasswordIsNeverShown() throws {
        let url = try LedgerURL("postgres://image-inbox:s3cret@db.example:6432/inbox?sslmode=verify-full&sslrootcert=/etc/ssl/db.pem")
        #expect(url.host == "db.example" && url.port == 6432 && url.user == "image-inbox" && url.database == "inbox")
        #expect(url.tlsMode == .verifyFull && url.rootCertificateFile == "/etc/ssl/db.pem" && url.password == "s3cret")
        #expect(url.description == "postgres://image-inbox@db.example:6432/inbox?sslmode=verify-full")
        #expect(try LedgerURL("postgresql://u@h/d").tlsMode == .prefer)
    }

    @Test(arguments: ["mysql://u@h/d", "postgres://h/d", "postgres://u@h", "postgres://u@h/d?sslmode=maybe", "postgres://u@h/d?connect_timeout=3"])
    func aURLTheDaemonCannotUseIsRefused(_ text: String) {
        #expect(throws: ImageInboxError.self) { try LedgerURL(text) }
    }

    @Test func thePasswordComesFromItsFileOrSystemdsCredential() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-credential-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "from-credential\n".write(toFile: folder + "/ledger-password", atomically: true, encoding: .utf8)
        try "from-file\n".write(toFile: folder + "/file", atomically: true, encoding: .utf8)
        var url = try LedgerURL("postgres://u:in-url@h/d")
        try url.readPassword(file: nil, credentialsDirectory: folder)
        #expect(url.password == "from-credential")
        try url.readPassword(file: folder + "/file", credentialsDirectory: folder)
        #expect(url.password == "from-file")
        #expect(throws: ImageInboxError.self) { try url.readPassword(file: folder + "/missing", credentialsDirectory: nil) }
    }
}
