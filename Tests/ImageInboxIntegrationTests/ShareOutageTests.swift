import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

/// An inbox whose share goes away and comes back (an automount blip, an NFS server reboot):
/// nothing is cancelled, nothing paid is thrown away, and the work goes on when it is back.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ShareOutageTests {
    @Test func theShareRootRemovedAndRestoredUnderQueuedJobsLosesNothing() async throws {
        try await DaemonHarness.run { harness in
            harness.stub.setLatency(milliseconds: 1500...1500)
            let away = harness.inbox + ".away"
            try await harness.withDaemon(concurrency: 1) {
                for name in ["a", "b", "c"] { try harness.drop(name + ".prompt", "Picture \(name)") }
                #expect(await eventually { harness.stub.generationRequests.count == 1 })
                // The share goes away with a request in flight: its folder is no longer there.
                try FileManager.default.moveItem(atPath: harness.inbox, toPath: away)
                // The paid image waits in the state directory; the queued jobs are held.
                #expect(await eventually { harness.heldResults.entries().count == 1 })
                let held = try #require(harness.heldResults.entries().first)
                #expect(held.inbox == harness.inbox && held.count == 1)
                let whileAway = try await Ledger.open(at: harness.stateDirectory + "/ledger.sqlite").allJobs()
                #expect(!whileAway.contains { $0.state == .cancelled || $0.state == .failed }, "\(whileAway.map { ($0.sourcePath, $0.state) })")
                #expect(harness.stub.generationRequests.count == 1, "nothing is sent for an inbox that is away")

                try FileManager.default.moveItem(atPath: away, toPath: harness.inbox)
                #expect(await eventually { ["a", "b", "c"].allSatisfy { harness.names().contains($0 + ".png") } }, "\(harness.names())")
                #expect(harness.heldResults.entries().isEmpty)
            }
            #expect(harness.stub.generationRequests.map { $0.fields["prompt"] ?? "" }.sorted() == ["Picture a", "Picture b", "Picture c"])
            #expect(!harness.names().contains { $0.hasSuffix(".error.txt") }, "\(harness.names())")
            let jobs = try await Ledger.open(at: harness.stateDirectory + "/ledger.sqlite").allJobs()
            #expect(jobs.filter { $0.state == .done }.count == 3, "\(jobs.map { ($0.sourcePath, $0.state) })")
            #expect(!jobs.contains { $0.state == .cancelled || $0.state == .failed })
            #expect(jobs.allSatisfy { !$0.outputPaths.isEmpty }, "the held result's name is recorded once delivered")
        }
    }
}
