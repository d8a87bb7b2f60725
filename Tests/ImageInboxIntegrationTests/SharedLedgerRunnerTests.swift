import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

/// A daemon sharing its ledger with another host (a real PostgreSQL server, `Tests/with-postgres`):
/// it leaves what that host runs, takes it once that host falls silent, and pauses and resumes
/// with it.
@Suite(.serialized, .enabled(if: TestDatabase.isAvailable, "needs the PostgreSQL server of Tests/with-postgres"))
struct SharedLedgerRunnerTests {
    func ledgers(for harness: DaemonHarness) async throws -> (mine: PostgresLedger, other: PostgresLedger, url: LedgerURL) {
        let url = try await TestDatabase.make()
        let inboxes = SharedInboxes([("inbox", harness.inbox)])
        let mine = try await PostgresLedger.open(url, inboxes: inboxes, lease: .seconds(3), access: .daemon, logger: TestDatabase.quietLogger)
        // The other host mounts the share elsewhere: the inbox's name makes the jobs one.
        let other = try await PostgresLedger.open(
            url, inboxes: SharedInboxes([("inbox", "/mnt/other-host")]), lease: .seconds(3), access: .daemon, logger: TestDatabase.quietLogger
        )
        return (mine, other, url)
    }

    @Test func aJobAnotherHostRunsIsLeftToItUntilItFallsSilentThenTaken() async throws {
        try await DaemonHarness.run { harness in
            let (mine, other, url) = try await ledgers(for: harness)
            defer { other.close() }
            let text = "A lighthouse at dusk"
            let claimed = try #require(
                try await other.beginJob(
                    sourcePath: "/mnt/other-host/taken.prompt", inbox: "/mnt/other-host", contentHash: ContentHash.of(Array(text.utf8)),
                    kind: "generation", parameters: nil, now: Date()
                )
            )
            try await harness.withDaemon(sharedLedger: mine) {
                #expect(await eventually { mine.isListening })
                try harness.drop("taken.prompt", text)
                try harness.drop("free.prompt", "A harbour at dawn")
                #expect(await eventually { harness.names().contains("free.png") })
                #expect(harness.stub.paidPrompts == ["A harbour at dawn"])
                #expect(!harness.names().contains("taken.png"))

                // The other host stops heartbeating: after the lease, this one takes its job.
                try await TestDatabase.execute("UPDATE host SET last_seen = now() - interval '1 hour' WHERE id = '\(other.hostID)'", in: url.database)
                #expect(await eventually { harness.names().contains("taken.png") })
                #expect(harness.stub.paidPrompts.sorted() == ["A harbour at dawn", text])
                // The result is in the folder before the ledger records it.
                #expect(try await eventually { try await mine.finishedJob(sourcePath: harness.inbox + "/taken.prompt", contentHash: claimed.contentHash) != nil })
                let done = try #require(try await mine.finishedJob(sourcePath: harness.inbox + "/taken.prompt", contentHash: claimed.contentHash))
                #expect(done.id == claimed.id && done.requeues == 1 && done.attempts == 2)
            }
        }
    }

    @Test func aFileAnotherHostSawFirstIsTakenUpWithoutWaitingForThisHostsPoll() async throws {
        try await DaemonHarness.run { harness in
            let (mine, other, _) = try await ledgers(for: harness)
            defer { other.close() }
            // This host polls its share every ten minutes, as it would a slow network mount.
            try await harness.withRunner(mode: .poll, sharedLedger: mine, pollInterval: .seconds(600)) { _ in
                #expect(await eventually { mine.isListening })
                let text = "A harbour at dawn"
                try harness.drop("seen-elsewhere.prompt", text)
                _ = try await other.enqueue(
                    [JobArrival(sourcePath: "/mnt/other-host/seen-elsewhere.prompt", inbox: "/mnt/other-host", contentHash: ContentHash.of(Array(text.utf8)), kind: "generation")],
                    now: Date()
                )
                #expect(await eventually { harness.names().contains("seen-elsewhere.png") })
                #expect(harness.stub.paidPrompts == [text])
            }
        }
    }

    @Test func aPauseAnotherHostPublishesHoldsThisHostUntilItsProbeLiftsIt() async throws {
        try await DaemonHarness.run { harness in
            let (mine, other, _) = try await ledgers(for: harness)
            defer { other.close() }
            let reason = "the images API refused the API key (HTTP 401)"
            try await harness.withRunner(pauseProbeInterval: .seconds(600), sharedLedger: mine) { runner in
                #expect(await eventually { mine.isListening })
                try await other.setDaemonState("paused", reason, now: Date())
                #expect(await eventually { await runner.snapshot().paused == reason })
                #expect(await runner.snapshot().pauseCause == .otherHost)
                try harness.drop("held.prompt", "A lighthouse at dusk")
                #expect(try await eventually { try await mine.status(now: Date()).inboxes.first?.counts["queued"] == 1 })
                #expect(harness.stub.requests.isEmpty)

                // The other host's probe got through: every host goes on.
                try await other.setDaemonState("paused", nil, now: Date())
                #expect(await eventually { harness.names().contains("held.png") })
                #expect(await runner.snapshot().paused == nil)
            }
        }
    }
}
