import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

/// "Try again" from any client on the share: deleting the error note of a failed job retries that
/// job once with the same content. The daemon's own removals, waiting notes and notes whose
/// source is gone never count.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ManualRetryTests {
    static let refusal = StubFault.status(
        400, body: #"{"error":{"message":"Your request was rejected as a result of our safety system.","type":"image_generation_user_error","code":"moderation_blocked"}}"#
    )

    @Test func aRetryAfterSomeImagesWereMadeAsksOnlyForTheRest() async throws {
        try await DaemonHarness.run { harness in
            // The AI/ML API makes one image a request: a count of 3 is three requests.
            harness.stub.fail(generation: 2, with: Self.refusal)
            try await harness.withDaemon {
                try harness.drop("trio.prompt", "---\ncount: 3\n---\nThree foxes")
                #expect(await eventually { harness.names().contains("trio.error.txt") && harness.names().filter { $0.hasSuffix(".png") }.count == 1 })
                #expect(harness.stub.generationRequests.count == 2)
                try FileManager.default.removeItem(atPath: harness.inbox + "/trio.error.txt")
                #expect(await eventually { harness.names().filter { $0.hasSuffix(".png") }.count == 3 })
            }
            #expect(harness.stub.generationRequests.count == 4, "the one image made is not bought again")
            #expect(!harness.names().contains("trio.error.txt"))
            let job = try #require(try await SQLiteLedger.open(at: harness.stateDirectory + "/ledger.sqlite").allJobs().first)
            #expect(job.state == .done && job.outputPaths.count == 3, "\(job.outputPaths)")
        }
    }

    @Test func deletingTheErrorNoteRetriesTheFailedJobOnce() async throws {
        try await DaemonHarness.run { harness in
            harness.stub.enqueue(Self.refusal)
            try await harness.withDaemon {
                try harness.drop("cat.prompt", "A cat in a hat")
                #expect(await eventually { harness.names().contains("cat.error.txt") })
                #expect(harness.stub.generationRequests.count == 1)

                try FileManager.default.removeItem(atPath: harness.inbox + "/cat.error.txt")
                #expect(await eventually { harness.names().contains("cat.png") })

                // A wrong size fails before any request; its retry fails the same way, and writes the note again.
                try harness.drop("dog.prompt", "---\nsize: 12x12\n---\nA dog")
                #expect(await eventually { harness.names().contains("dog.error.txt") })
                try FileManager.default.removeItem(atPath: harness.inbox + "/dog.error.txt")
                #expect(await eventually { harness.names().contains("dog.error.txt") })

                // A note whose source is gone, and a note of the daemon's that it removes itself on
                // success (owl's, after its content is fixed), ask for nothing.
                try harness.drop("owl.prompt", "---\nsize: 12x12\n---\nAn owl")
                try harness.drop("fox.prompt", "---\nsize: 12x12\n---\nA fox")
                #expect(await eventually { harness.names().contains("owl.error.txt") && harness.names().contains("fox.error.txt") })
                try FileManager.default.removeItem(atPath: harness.inbox + "/fox.prompt")
                try FileManager.default.removeItem(atPath: harness.inbox + "/fox.error.txt")
                try harness.drop("owl.prompt", "An owl")
                #expect(await eventually { harness.names().contains("owl.png") && !harness.names().contains("owl.error.txt") })
                // products.prompt and products.csv share products.error.txt: the CSV's success
                // removes the prompt's note, which asks for no retry of the prompt.
                harness.stub.enqueue(Self.refusal)
                try harness.drop("products.prompt", "A refused product")
                #expect(await eventually { harness.names().contains("products.error.txt") })
                try harness.drop("products.csv", "prompt,name\nA mug,mug\n")
                #expect(await eventually { harness.names().contains("mug.png") && !harness.names().contains("products.error.txt") })
                // Whatever those asked for has been decided once this later prompt is done.
                try harness.drop("last.prompt", "The last one")
                #expect(await eventually { harness.names().contains("last.png") })
            }
            #expect(harness.stub.generationRequests.compactMap { $0.fields["prompt"] } == ["A cat in a hat", "A cat in a hat", "An owl", "A refused product", "A mug", "The last one"])
            #expect(harness.names() == [
                "cat.png", "cat.prompt", "dog.error.txt", "dog.prompt", "last.png", "last.prompt", "mug.png", "owl.png", "owl.prompt", "products.csv", "products.prompt",
            ])
            let jobs = try await SQLiteLedger.open(at: harness.stateDirectory + "/ledger.sqlite").allJobs()
            let retries = Dictionary(jobs.map { (SourceName(path: $0.sourcePath).fileName, $0.manualRetries) }, uniquingKeysWith: +)
            #expect(retries == ["cat.prompt": 1, "dog.prompt": 1, "owl.prompt": 0, "fox.prompt": 0, "last.prompt": 0, "products.prompt": 0, "products.csv": 0], "\(retries)")
            #expect(jobs.first { $0.sourcePath.hasSuffix("/cat.prompt") }?.state == .done)
        }
    }
}
