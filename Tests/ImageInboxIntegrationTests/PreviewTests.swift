import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

/// Live previews: where the provider streams, partial images become `NAME.preview.png` beside
/// the source while the answer arrives, and are gone once the job has its result or its note.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct PreviewTests {
    @Test func previewsAppearWhileTheAnswerStreamsAndAreGoneAfter() async throws {
        try await DaemonHarness.run(profile: .openai) { harness in
            harness.stub.setStreamInterval(milliseconds: 500)
            try await harness.withDaemon(provider: .openai) {
                try harness.drop("fox.prompt", "---\npreview: true\n---\nA fox in the snow")
                #expect(await eventually { harness.names().contains("fox.preview.png") }, "\(harness.names())")
                if let preview = try? harness.bytes("fox.preview.png") {
                    #expect(ImageInfo(bytes: preview)?.format == .png)
                    #expect(ImageMetadata(readingFrom: preview)["preview"] == "true")
                }
                #expect(await eventually { harness.names().contains("fox.png") })
                try harness.drop("plain.prompt", "No preview asked for")
                #expect(await eventually { harness.names().contains("plain.png") })
            }
            #expect(harness.names() == ["fox.png", "fox.prompt", "plain.png", "plain.prompt"], "no preview left")
            let fox = try #require(harness.stub.generationRequests.first { $0.fields["prompt"] == "A fox in the snow" })
            #expect(fox.fields["partial_images"] == "2")
            #expect(["true", "1"].contains(fox.fields["stream"] ?? ""))
            let plain = try #require(harness.stub.generationRequests.first { $0.fields["prompt"] == "No preview asked for" })
            #expect(plain.fields["stream"] == nil && plain.fields["partial_images"] == nil)
            #expect(ImageInfo(bytes: try harness.bytes("fox.png"))?.width == 1024, "the completed event's image, not a partial one")
            let jobs = try await SQLiteLedger.open(at: harness.stateDirectory + "/ledger.sqlite").allJobs()
            let cost = try #require(jobs.first { $0.sourcePath.hasSuffix("/fox.prompt") }?.usdSpent)
            #expect(cost > 0, "the cost comes from the completed event's usage")
        }
    }

    @Test func anEditStreamsItsPreviewToo() async throws {
        try await DaemonHarness.run(profile: .openai) { harness in
            harness.stub.setStreamInterval(milliseconds: 500)
            try harness.drop("rex.png", bytes: PlaceholderImage.render(width: 1024, height: 1024, format: .png, seed: 1))
            try harness.drop("image-inbox.yaml", "preview: true\npreview_images: 1\n")
            try await harness.withDaemon(provider: .openai) {
                try harness.drop("rex.edit", "Put a crown on the T-rex")
                #expect(await eventually { harness.names().contains("rex.edited.preview.png") }, "\(harness.names())")
                #expect(await eventually { harness.names().contains("rex.edited.png") })
            }
            #expect(harness.names() == ["image-inbox.yaml", "rex.edit", "rex.edited.png", "rex.png"])
            let request = try #require(harness.stub.editRequests.first)
            #expect(request.fields["stream"] == "true" && request.fields["partial_images"] == "1")
        }
    }

    @Test func aStreamedErrorBecomesTheJobsNoteAndLeavesNoPreview() async throws {
        try await DaemonHarness.run(profile: .openai) { harness in
            harness.stub.setStreamInterval(milliseconds: 300)
            let refusal = #"{"type":"error","error":{"type":"image_generation_user_error","code":"moderation_blocked","message":"Your request was rejected by the safety system.","param":null}}"#
            harness.stub.enqueue(.streamError(afterPartials: 1, body: refusal))
            try await harness.withDaemon(provider: .openai) {
                try harness.drop("owl.prompt", "---\npreview: true\n---\nAn owl")
                #expect(await eventually { harness.names().contains("owl.error.txt") })
            }
            #expect(harness.names() == ["owl.error.txt", "owl.prompt"])
            let note = String(decoding: try harness.bytes("owl.error.txt"), as: UTF8.self)
            #expect(note.contains("safety system"), "\(note)")
            #expect(harness.stub.generationRequests.count == 1, "a refusal is not retried")
        }
    }

    @Test func aStreamDroppedAfterPartialImagesIsCountedAndTriedOnceMore() async throws {
        try await DaemonHarness.run(profile: .openai) { harness in
            harness.stub.enqueue(.streamDrop(afterPartials: 1))
            try await harness.withDaemon(provider: .openai) {
                try harness.drop("elk.prompt", "---\npreview: true\n---\nAn elk")
                #expect(await eventually { harness.names().contains("elk.png") })
            }
            #expect(harness.names() == ["elk.png", "elk.prompt"])
            #expect(harness.stub.generationRequests.count == 2)
        }
    }
}
