import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

@Suite(.serialized, .timeLimit(.minutes(2)))
struct GenerationTests {
    @Test func onePromptMakesOneImageWithItsParameters() async throws {
        try await DaemonHarness.run { harness in
            try await harness.withDaemon {
                try harness.drop("rex.prompt", "---\nsize: 1536x1024\nquality: high\nformat: webp\n---\nA T-Rex relaxing on a beach, wearing sunglasses.\n")
                #expect(await eventually { harness.names().contains("rex.webp") })
            }
            let requests = harness.stub.generationRequests
            #expect(requests.count == 1)
            let fields = try #require(requests.first?.fields)
            #expect(fields["model"] == "openai/gpt-image-2")
            #expect(fields["prompt"] == "A T-Rex relaxing on a beach, wearing sunglasses.")
            #expect(fields["size"] == "1536x1024")
            #expect(fields["quality"] == "high")
            #expect(fields["output_format"] == "webp")
            #expect(fields["response_format"] == "b64_json")
            #expect(requests.first?.authorization == "Bearer \(harness.stub.apiKey)")

            let image = try harness.bytes("rex.webp")
            let info = try #require(ImageInfo(bytes: image))
            #expect(info.format == .webp && info.width == 1536 && info.height == 1024)
            let xmp = String(decoding: image, as: UTF8.self)
            #expect(xmp.contains("<imageinbox:prompt>A T-Rex relaxing on a beach, wearing sunglasses.</imageinbox:prompt>"))
            #expect(xmp.contains("<imageinbox:quality>high</imageinbox:quality>"))
            #expect(xmp.contains("<imageinbox:cost_usd>"))
            #expect(harness.names() == ["rex.prompt", "rex.webp"])
        }
    }

    @Test func pngResultCarriesItsParametersInTextChunks() async throws {
        try await DaemonHarness.run { harness in
            try await harness.withDaemon {
                try harness.drop("posters/cat.prompt", "---\nsize: 1024x1536\n---\nA cat in a hat")
                #expect(await eventually { harness.names(in: "posters").contains("cat.png") })
            }
            let image = try harness.bytes("posters/cat.png")
            let info = try #require(ImageInfo(bytes: image))
            #expect(info.format == .png && info.width == 1024 && info.height == 1536)
            let metadata = ImageMetadata(readingFrom: image)
            #expect(metadata["prompt"] == "A cat in a hat")
            #expect(metadata["model"] == "openai/gpt-image-2")
            #expect(metadata["size"] == "1024x1536")
            #expect(metadata["source"] == "posters/cat.prompt")
            #expect(metadata["job"]?.count == 12)
            #expect(metadata["created"] != nil)
        }
    }

    @Test func fiftyPromptsDroppedAtOnceMakeFiftyImagesWithFiftyRequests() async throws {
        try await DaemonHarness.run { harness in
            try await harness.withDaemon {
                for index in 1...50 { try harness.drop("p\(index).prompt", "Picture number \(index)") }
                #expect(await eventually(timeout: .seconds(60)) { harness.names().filter { $0.hasSuffix(".png") }.count == 50 })
            }
            #expect(harness.stub.generationRequests.count == 50)
            #expect(Set(harness.stub.generationRequests.compactMap { $0.fields["prompt"] }).count == 50)
            for index in 1...50 {
                #expect(ImageInfo(bytes: try harness.bytes("p\(index).png"))?.width == 1024)
            }
        }
    }

    @Test func theConfiguredConcurrencyIsTheNumberOfRequestsInFlight() async throws {
        try await DaemonHarness.run { harness in
            // More than AsyncHTTPClient's default of 8 connections per host.
            harness.stub.setLatency(milliseconds: 3000...3000)
            try await harness.withDaemon(concurrency: 12) {
                for index in 1...12 { try harness.drop("p\(index).prompt", "Prompt \(index)") }
                #expect(await eventually { harness.stub.maximumInFlight == 12 }, "\(harness.stub.maximumInFlight) in flight")
                #expect(await eventually { harness.names().filter { $0.hasSuffix(".png") }.count == 12 })
            }
        }
    }

    @Test func folderDefaultsApplyBelowTheirFolderAndFrontMatterWins() async throws {
        try await DaemonHarness.run { harness in
            try harness.drop("posters-hq/image-inbox.yaml", "size: 1024x1536\nquality: high\n")
            try await harness.withDaemon {
                try harness.drop("posters-hq/a.prompt", "Poster A")
                try harness.drop("posters-hq/b.prompt", "---\nquality: low\n---\nPoster B")
                try harness.drop("c.prompt", "Plain C")
                #expect(await eventually { harness.stub.generationRequests.count == 3 && harness.names().contains("c.png") && harness.names(in: "posters-hq").filter { $0.hasSuffix(".png") }.count == 2 })
            }
            let byPrompt = Dictionary(uniqueKeysWithValues: harness.stub.generationRequests.map { ($0.fields["prompt"] ?? "", $0.fields) })
            #expect(byPrompt["Poster A"]?["size"] == "1024x1536")
            #expect(byPrompt["Poster A"]?["quality"] == "high")
            #expect(byPrompt["Poster B"]?["quality"] == "low")
            #expect(byPrompt["Plain C"]?["size"] == nil)
        }
    }

    @Test func anEditedPromptMakesASecondImageWithTheNextFreeName() async throws {
        try await DaemonHarness.run { harness in
            try await harness.withDaemon {
                try harness.drop("cat.prompt", "A cat")
                #expect(await eventually { harness.names().contains("cat.png") })
                try harness.drop("cat.prompt", "A cat, but blue")
                #expect(await eventually { harness.names().contains("cat-2.png") })
            }
            #expect(harness.stub.generationRequests.map { $0.fields["prompt"] } == ["A cat", "A cat, but blue"])
            #expect(ImageMetadata(readingFrom: try harness.bytes("cat.png"))["prompt"] == "A cat")
            #expect(ImageMetadata(readingFrom: try harness.bytes("cat-2.png"))["prompt"] == "A cat, but blue")
        }
    }

    @Test func aRestartSendsNothingForDoneSources() async throws {
        try await DaemonHarness.run { harness in
            try await harness.withDaemon {
                try harness.drop("one.prompt", "First")
                try harness.drop("two.prompt", "---\nformat: jpeg\n---\nSecond")
                #expect(await eventually { harness.names().contains("one.png") && harness.names().contains("two.jpg") })
            }
            #expect(harness.stub.generationRequests.count == 2)
            try await harness.withDaemon {
                // The startup scan sees both sources; give them well over the quiet window to settle.
                try harness.drop("three.prompt", "Third")
                #expect(await eventually { harness.names().contains("three.png") })
                try await Task.sleep(for: .seconds(2))
            }
            #expect(harness.stub.generationRequests.count == 3)
            #expect(harness.names().filter { $0.hasPrefix("one") } == ["one.png", "one.prompt"])
        }
    }

    @Test func aFileWrittenSlowlyInPiecesIsNotReadBeforeItIsComplete() async throws {
        try await DaemonHarness.run { harness in
            let full = "---\nsize: 1024x1024\n---\nThe first half of a long prompt, and after a pause the second half."
            let split = full.index(full.startIndex, offsetBy: 40)
            try await harness.withDaemon(settle: .init(settleWindow: .milliseconds(500), quietWindow: .seconds(5))) {
                let path = harness.inbox + "/slow.prompt"
                #expect(FileManager.default.createFile(atPath: path, contents: nil))
                let handle = try #require(FileHandle(forWritingAtPath: path))
                handle.write(Data(full[..<split].utf8))
                try await Task.sleep(for: .seconds(3))
                #expect(harness.stub.generationRequests.isEmpty)
                handle.write(Data(full[split...].utf8))
                try handle.close()
                #expect(await eventually { harness.names().contains("slow.png") })
            }
            #expect(harness.stub.generationRequests.count == 1)
            #expect(harness.stub.generationRequests.first?.fields["prompt"] == "The first half of a long prompt, and after a pause the second half.")
            #expect(!harness.names().contains("slow.error.txt"))
        }
    }

    @Test func urlResultsAreDownloaded() async throws {
        try await DaemonHarness.run { harness in
            try await harness.withDaemon(responseFormat: "url") {
                try harness.drop("u.prompt", "---\nformat: jpeg\n---\nBy URL")
                #expect(await eventually { harness.names().contains("u.jpg") })
            }
            #expect(harness.stub.generationRequests.first?.fields["response_format"] == "url")
            #expect(harness.stub.requests.filter { $0.method == "GET" && $0.path.hasPrefix("/files/") }.count == 1)
            #expect(ImageInfo(bytes: try harness.bytes("u.jpg"))?.format == .jpeg)
        }
    }

    @Test func openAIGetsNoResponseFormatAndOneRequestForACount() async throws {
        try await DaemonHarness.run(profile: .openai) { harness in
            try await harness.withDaemon(provider: .openai) {
                try harness.drop("trio.prompt", "---\nmodel: gpt-image-2\nsize: 1536x864\ncount: 3\n---\nThree birds")
                #expect(await eventually { harness.names().filter { $0.hasPrefix("trio-") }.count == 3 })
            }
            let fields = try #require(harness.stub.generationRequests.first?.fields)
            #expect(harness.stub.generationRequests.count == 1)
            #expect(fields["n"] == "3")
            #expect(fields["response_format"] == nil)
            #expect(harness.names().filter { $0.hasPrefix("trio-") } == ["trio-1.png", "trio-2.png", "trio-3.png"])
            #expect(ImageInfo(bytes: try harness.bytes("trio-2.png"))?.width == 1536)
        }
    }

    @Test func aCountOnTheAIMLAPIIsSplitIntoSingleImageRequests() async throws {
        try await DaemonHarness.run { harness in
            try await harness.withDaemon {
                try harness.drop("two.prompt", "---\ncount: 2\n---\nTwo dogs")
                #expect(await eventually { harness.names().filter { $0.hasPrefix("two-") }.count == 2 })
            }
            #expect(harness.stub.generationRequests.count == 2)
            #expect(harness.stub.generationRequests.allSatisfy { $0.fields["n"] == nil })
        }
    }

    @Test func imagesMadeBeforeALaterRequestFailsAreDeliveredAndCounted() async throws {
        try await DaemonHarness.run { harness in
            // The AI/ML API makes one image a request: the third of three is refused.
            harness.stub.fail(generation: 3, with: .status(400, body: #"{"message":"Invalid request","statusCode":400}"#))
            try await harness.withDaemon(concurrency: 1) {
                try harness.drop("trio.prompt", "---\ncount: 3\n---\nThree cats")
                #expect(await eventually { harness.names().contains("trio.error.txt") })
            }
            #expect(harness.stub.generationRequests.count == 3)
            #expect(harness.names().contains("trio-1.png") && harness.names().contains("trio-2.png"), "the paid images are kept: \(harness.names())")
            let note = String(decoding: try harness.bytes("trio.error.txt"), as: UTF8.self)
            #expect(note.contains("Only 2 of the 3 images asked for were made (trio-1.png, trio-2.png)") && note.contains("HTTP 400"), "\(note)")
            let job = try #require(try await SQLiteLedger.open(at: harness.stateDirectory + "/ledger.sqlite").allJobs().first)
            #expect(job.state == .failed && job.outputPaths.count == 2)
            #expect((job.usdSpent ?? 0) > 0, "the two images made are counted")
        }
    }

    @Test func aResultNameTooLongForTheFileSystemIsShortenedAndPaidOnce() async throws {
        try await DaemonHarness.run { harness in
            let stem = String(repeating: "x", count: 247)
            // The plain result name is taken, its temp name used to be built from it (282 bytes), and the
            // error note's name would be 257 bytes.
            try harness.drop(stem + ".png", bytes: [1, 2, 3])
            try await harness.withDaemon {
                try harness.drop(stem + ".prompt", "---\nformat: png\n---\nA very long name")
                #expect(await eventually { harness.names().contains(String(repeating: "x", count: 246) + ".png") }, "\(harness.names().map(\.count))")
            }
            #expect(harness.stub.generationRequests.count == 1)
            #expect(try harness.bytes(stem + ".png") == [1, 2, 3], "someone else's file is untouched")
            let metadata = ImageMetadata(readingFrom: try harness.bytes(String(repeating: "x", count: 246) + ".png"))
            #expect(metadata["note"]?.contains("shortened") == true && metadata["source"] == stem + ".prompt", "the image says why its name is short")
            #expect(!harness.names().contains { $0.hasSuffix(".error.txt") })
        }
    }
}
