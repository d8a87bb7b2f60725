import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

/// Batch files end to end: each entry its own job, keyed by position and content, checked before
/// any request, named in order, and reported line by line.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct BatchFileTests {
    @Test func twentyLinesMakeTwentyImagesAndAnEditedLineExactlyOneMore() async throws {
        try await DaemonHarness.run { harness in
            var lines = (1...20).map { "Product shot number \($0) on a white background" }
            let text = { "---\nquality: low\n---\n# The spring catalogue\n\n" + lines.joined(separator: "\n") + "\n" }
            try await harness.withDaemon {
                try harness.drop("catalogue.prompts", text())
                #expect(await eventually(timeout: .seconds(60)) { harness.names().filter { $0.hasSuffix(".png") }.count == 20 })
                #expect(harness.stub.generationRequests.count == 20)

                lines[4] = "Product shot number 5, now on a blue background"
                try harness.drop("catalogue.prompts", text())
                #expect(await eventually { harness.names().contains("catalogue-005-2.png") })
                // Whatever the edit asked for has been decided once a later file is done.
                try harness.drop("after.prompt", "After the edit")
                #expect(await eventually { harness.names().contains("after.png") })
            }
            let prompts = harness.stub.generationRequests.compactMap { $0.fields["prompt"] }
            #expect(prompts.count == 22, "20, the edited line, and the later prompt")
            #expect(Set(prompts.prefix(20)) == Set((1...20).map { "Product shot number \($0) on a white background" }))
            #expect(prompts[20] == "Product shot number 5, now on a blue background")
            #expect(harness.stub.generationRequests.prefix(21).allSatisfy { $0.fields["quality"] == "low" }, "the front matter applies to every entry")
            let expected = (1...20).map { String(format: "catalogue-%03d.png", $0) } + ["catalogue-005-2.png"]
            #expect(Set(harness.names().filter { $0.hasPrefix("catalogue-") }) == Set(expected))
            #expect(ImageMetadata(readingFrom: try harness.bytes("catalogue-007.png"))["prompt"] == "Product shot number 7 on a white background")
        }
    }

    @Test func deletingABatchsNoteRetriesTheEntryThatFailed() async throws {
        try await DaemonHarness.run { harness in
            let refusal = #"{"error":{"message":"Your request was rejected as a result of our safety system.","type":"image_generation_user_error","code":"moderation_blocked"}}"#
            harness.stub.fail(generation: 2, with: .status(400, body: refusal))
            try await harness.withDaemon {
                try harness.drop("trio.prompts", "A fox\nAn owl\nAn elk\n")
                #expect(await eventually { harness.names().filter { $0.hasSuffix(".png") }.count == 2 && harness.names().contains("trio.error.txt") })
                let note = String(decoding: try harness.bytes("trio.error.txt"), as: UTF8.self)
                #expect(note.contains("1 of 3 entries could not be made") && note.contains("safety system"), "\(note)")
                try FileManager.default.removeItem(atPath: harness.inbox + "/trio.error.txt")
                #expect(await eventually { harness.names().filter { $0.hasSuffix(".png") }.count == 3 })
            }
            #expect(harness.stub.generationRequests.count == 4, "three entries, one of them twice")
            #expect(Set(harness.names()) == ["trio.prompts", "trio-001.png", "trio-002.png", "trio-003.png"])
        }
    }

    @Test func aCSVWithOneBadRowMakesTheOthersAndNamesTheBadRow() async throws {
        try await DaemonHarness.run { harness in
            var rows = ["prompt,size,name"]
            for index in 1...12 {
                let size = index == 7 ? "12x12" : "1024x1024"
                rows.append("\"Mug \(index), on oak, \"\"studio\"\" light\",\(size),mug-\(index)")
            }
            try await harness.withDaemon {
                try harness.drop("mugs.csv", rows.joined(separator: "\r\n") + "\r\n")
                try harness.drop("notes.csv", "title,size\nnot a batch,1024x1024\n")
                // A folder's output_name without {index} still names each entry apart, in entry order.
                try harness.drop("dated/image-inbox.yaml", "output_name: \"shot-{size}\"\n")
                try harness.drop("dated/pair.prompts", "First\nSecond\n")
                #expect(await eventually(timeout: .seconds(60)) {
                    harness.names().filter { $0.hasSuffix(".png") }.count == 11 && harness.names().contains("mugs.error.txt")
                        && harness.names(in: "dated").filter { $0.hasSuffix(".png") }.count == 2
                })
            }
            #expect(harness.stub.generationRequests.count == 13)
            #expect(harness.names(in: "dated").filter { $0.hasSuffix(".png") } == ["shot-auto-001.png", "shot-auto-002.png"])
            #expect(ImageMetadata(readingFrom: try harness.bytes("dated/shot-auto-002.png"))["prompt"] == "Second")
            #expect(!harness.stub.generationRequests.contains { $0.fields["prompt"] == "Mug 7, on oak, \"studio\" light" }, "no request for the bad row")
            #expect(Set(harness.names().filter { $0.hasSuffix(".png") }) == Set((1...12).filter { $0 != 7 }.map { "mug-\($0).png" }))
            let note = String(decoding: try harness.bytes("mugs.error.txt"), as: UTF8.self)
            #expect(note.contains("1 of 12 entries could not be made"), "\(note)")
            #expect(note.contains("Entry 7 (line 8): size '12x12'"), "\(note)")
            #expect(!harness.names().contains("notes.error.txt"), "a CSV without a prompt column is not a batch file")
        }
    }
}
