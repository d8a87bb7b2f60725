import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

/// `format: gif` and `format: svg` on the models that make them: the request asks for them, and
/// the result is written as `NAME.gif` or `NAME.svg` with its provenance inside.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct GIFAndSVGResultTests {
    @Test func anAnimatedGIFHasTheFramesAskedForAndItsProvenance() async throws {
        try await DaemonHarness.run(profile: .openai) { harness in
            try await harness.withDaemon(provider: .openai) {
                try harness.drop("loop.prompt", "---\nmodel: gpt-image-2.6-flare\nformat: gif\nframes: 4\n---\nA cat chasing its tail")
                #expect(await eventually { harness.names().contains("loop.gif") }, "\(harness.names())")
            }
            let request = try #require(harness.stub.generationRequests.first)
            #expect(request.fields["output_format"] == "gif")
            #expect(request.fields["frame_count"] == "4")
            #expect(request.fields["frame_duration_ms"] == nil, "left to the API's default")

            let bytes = try harness.bytes("loop.gif")
            let gif = try #require(GIFStructure(bytes: bytes))
            #expect(gif.frameCount == 4)
            #expect(gif.endsWithTrailer)
            #expect(Array(bytes[gif.blocksStart..<(gif.blocksStart + 2)]) == [0x21, 0xFE], "the comment comes right after the colour table")
            let metadata = ImageMetadata(readingFrom: bytes)
            #expect(metadata["prompt"] == "A cat chasing its tail")
            #expect(metadata["model"] == "gpt-image-2.6-flare")
            #expect(metadata["format"] == "gif")
            #expect(metadata["job"]?.count == 12)
            #expect(harness.names() == ["loop.gif", "loop.prompt"])
        }
    }

    @Test func anSVGCarriesItsProvenanceAndItsWritersTokensAreCounted() async throws {
        try await DaemonHarness.run(profile: .openai) { harness in
            try await harness.withDaemon(provider: .openai) {
                try harness.drop("logo.prompt", "---\nmodel: gpt-image-2.6-flare\nformat: svg\n---\nA fox logo & \"friends\"")
                #expect(await eventually { harness.names().contains("logo.svg") }, "\(harness.names())")
            }
            let request = try #require(harness.stub.generationRequests.first)
            #expect(request.fields["output_format"] == "svg")
            #expect(request.fields["frame_count"] == nil)

            let bytes = try harness.bytes("logo.svg")
            let svg = try #require(SVGDocument(bytes: bytes))
            #expect(svg.activeContent.isEmpty)
            #expect(String(decoding: bytes[svg.rootTagEnd...], as: UTF8.self).hasPrefix("<metadata><rdf:RDF"), "the root's first child")
            #expect(ImageInfo(bytes: bytes)?.width == 1024)
            let metadata = ImageMetadata(readingFrom: bytes)
            #expect(metadata["prompt"] == "A fox logo & \"friends\"")
            #expect(metadata["job"]?.count == 12)

            let job = try #require(try await SQLiteLedger.open(at: harness.stateDirectory + "/ledger.sqlite").allJobs().first)
            #expect(job.state == .done)
            #expect((job.usdSpent ?? 0) > 0, "the image's tokens and the SVG writer's are paid for")
        }
    }
}
