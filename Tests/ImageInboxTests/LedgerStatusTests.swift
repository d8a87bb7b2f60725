import Foundation
import ImageInbox
import RawFileNames
import Testing

struct LedgerStatusTests {
    @Test func statusGroupsJobsByInboxWithFailuresPauseAndCost() async throws {
        let ledger = try SQLiteLedger.inMemory()
        let now = Date()
        let done = try #require(try await ledger.beginJob(sourcePath: "/team/a.prompt", inbox: "/team", contentHash: "1", kind: "generation", parameters: nil, now: now))
        try await ledger.recordSuccess(done, outputs: ["/team/a.png"], usage: APIUsage(usdSpent: 0.25), now: now)
        _ = try await ledger.enqueue(sourcePath: "/team/b.prompt", inbox: "/team", contentHash: "2", kind: "generation", now: now)
        _ = try await ledger.recordFailure(
            sourcePath: "/posters/c.prompt", inbox: "/posters", contentHash: "3", kind: "generation",
            error: ImageInboxError(code: .invalidParameter, message: "size '12x12' is not available here."), now: now
        )
        try await ledger.setDaemonState("paused", "daily budget of $0.20 reached", now: now)

        let report = try await ledger.status(now: now)
        #expect(report.paused == "daily budget of $0.20 reached")
        #expect(report.costToday == 0.25 && report.costTotal == 0.25)
        #expect(report.inboxes.map(\.path) == ["/posters", "/team"])
        #expect(report.inboxes[1].counts == ["done": 1, "queued": 1])
        #expect(report.inboxes[0].failures.map(\.message) == ["size '12x12' is not available here."])
        #expect(report.text.contains("Paused: daily budget"))
        #expect(report.text.contains("/team: 1 queued, 1 done"))
        #expect(report.text.contains("failed c.prompt"))
        #expect(report.json.contains("\"cost_today\" : 0.25"))
    }

    @Test func statusMarksTheEstimatedPartOfTodaysCost() async throws {
        let ledger = try SQLiteLedger.inMemory()
        let now = Date()
        let reported = try #require(try await ledger.beginJob(sourcePath: "/in/a.prompt", inbox: "/in", contentHash: "1", kind: "generation", parameters: nil, now: now))
        try await ledger.recordSuccess(reported, outputs: ["/in/a.png"], usage: APIUsage(usdSpent: 0.25), now: now)
        let credited = try #require(try await ledger.beginJob(sourcePath: "/in/b.prompt", inbox: "/in", contentHash: "2", kind: "generation", parameters: nil, now: now))
        try await ledger.recordSuccess(credited, outputs: ["/in/b.png"], usage: APIUsage(creditsUsed: 327_680), estimatedUSD: 0.16384, now: now)
        let report = try await ledger.status(now: now)
        #expect(abs(report.costToday - 0.41384) < 1e-9 && abs(report.estimatedToday - 0.16384) < 1e-9)
        #expect(report.text.contains("Cost: $0.41 today ($0.16 of it estimated from credits or tokens)"), "\(report.text)")
    }

    @Test func aNameThatIsNotUTF8IsShownReadablyInTextAndJSON() async throws {
        let ledger = try SQLiteLedger.inMemory()
        let source = "/in/" + RawFileName.decode(Array("caf".utf8) + [0xE9] + Array(".prompt".utf8))
        _ = try await ledger.recordFailure(
            sourcePath: source, inbox: "/in", contentHash: "1", kind: "generation",
            error: ImageInboxError(code: .invalidSource, message: "The prompt is empty."), now: Date()
        )
        let report = try await ledger.status(now: Date())
        #expect(report.inboxes.first?.failures.first?.source == source, "the ledger keeps the name's bytes")
        #expect(report.text.contains("failed caf\\xE9.prompt"), "\(report.text)")
        let json = try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any]
        let failures = ((json?["inboxes"] as? [[String: Any]])?.first?["failures"] as? [[String: Any]]) ?? []
        #expect(failures.first?["source"] as? String == "/in/caf\\xE9.prompt", "\(report.json)")
    }

    @Test func statusReadsWhileTheDaemonHoldsTheLedgerOpen() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)/ledger.sqlite").path
        let writer = try SQLiteLedger.open(at: path)
        _ = try await writer.enqueue(sourcePath: "/in/a.prompt", inbox: "/in", contentHash: "h", kind: "generation", now: Date())
        let reader = try SQLiteLedger.openForReading(at: path)
        #expect(try await reader.status(now: Date()).inboxes.first?.counts["queued"] == 1)
        _ = try await writer.enqueue(sourcePath: "/in/b.prompt", inbox: "/in", contentHash: "h", kind: "generation", now: Date())
        #expect(try await reader.status(now: Date()).inboxes.first?.counts["queued"] == 2)
    }

    @Test func aMissingLedgerIsExplained() {
        #expect(throws: ImageInboxError(code: .ledgerFailed, message: "")) {
            try SQLiteLedger.openForReading(at: "/nonexistent/ledger.sqlite")
        }
    }
}
