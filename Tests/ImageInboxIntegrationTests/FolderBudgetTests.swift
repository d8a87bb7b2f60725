import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

/// `max_usd_per_day` in a folder's `image-inbox.yaml`: that folder's files wait for tomorrow
/// once it is spent, with one note, while other folders go on.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct FolderBudgetTests {
    @Test func aFolderOverItsBudgetWaitsWithOneNoteWhileAnotherFolderGoesOn() async throws {
        try await DaemonHarness.run { harness in
            // The stub's image costs $0.16384; a job reserves the price table's estimate first,
            // about $0.19. The first fits $0.30; after it, what is left does not fit the next.
            try harness.drop("drafts/image-inbox.yaml", "max_usd_per_day: 0.3\n")
            try await harness.withDaemon {
                try harness.drop("drafts/sketches/a.prompt", "First sketch")
                #expect(await eventually { harness.names(in: "drafts/sketches").contains("a.png") })
                // Every ancestor's budget applies: drafts/ is spent, so drafts/sketches/ waits too.
                try harness.drop("drafts/sketches/b.prompt", "Second sketch")
                try harness.drop("drafts/c.prompt", "Third sketch")
                try harness.drop("final/d.prompt", "The final poster")
                #expect(await eventually { harness.names(in: "final").contains("d.png") && harness.names(in: "drafts").contains("image-inbox.budget.txt") })
                try harness.drop("final/e.prompt", "Another final poster")
                #expect(await eventually { harness.names(in: "final").contains("e.png") })
            }
            #expect(Set(harness.stub.generationRequests.compactMap { $0.fields["prompt"] }) == ["First sketch", "The final poster", "Another final poster"])
            #expect(harness.names(in: "drafts") == ["c.prompt", "image-inbox.budget.txt", "image-inbox.yaml", "sketches"], "one note, no result, no error note")
            #expect(harness.names(in: "drafts/sketches") == ["a.png", "a.prompt", "b.prompt"])
            let note = String(decoding: try harness.bytes("drafts/image-inbox.budget.txt"), as: UTF8.self)
            #expect(note.contains("its daily budget is $0.30 (max_usd_per_day in"), "\(note)")
            #expect(note.contains("The next job is estimated at $"), "\(note)")
            #expect(note.contains("Files dropped here wait; nothing is lost."), "\(note)")
            let queued = try await SQLiteLedger.open(at: harness.stateDirectory + "/ledger.sqlite").allJobs().filter { $0.state == .queued }
            #expect(Set(queued.map { SourceName(path: $0.sourcePath).fileName }) == ["b.prompt", "c.prompt"], "they wait in the ledger")
        }
    }
}
