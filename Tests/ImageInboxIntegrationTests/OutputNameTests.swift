import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

/// `output_name` on the share: names people can sort, never replacing a file.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct OutputNameIntegrationTests {
    @Test func resultsAreNamedByTheTemplateAndNeverReplaceAFile() async throws {
        try await DaemonHarness.run { harness in
            try harness.drop("shots/image-inbox.yaml", "output_name: \"{date}-{name}-{size}\"\npresets:\n  poster: {size: 1024x1536, output_name: \"{preset}-{name}\"}\n")
            // Someone's own file already has the name the poster would get.
            try harness.drop("shots/poster-sale.png", bytes: [1, 2, 3])
            try await harness.withDaemon {
                try harness.drop("shots/cat.prompt", "---\nsize: 1024x1024\n---\nA cat")
                try harness.drop("shots/sale.prompt", "---\npreset: poster\n---\nSummer sale")
                try harness.drop("shots/bad.prompt", "---\noutput_name: \"../{name}\"\n---\nEscaping")
                #expect(await eventually { harness.names(in: "shots").filter { $0.hasSuffix(".png") || $0.hasSuffix(".txt") }.count == 4 })
            }
            let names = harness.names(in: "shots")
            let dated = names.filter { $0.range(of: #"^\d{4}-\d{2}-\d{2}-cat-1024x1024\.png$"#, options: .regularExpression) != nil }
            #expect(dated.count == 1, "\(names)")
            #expect(names.contains("poster-sale-2.png"), "\(names)")
            #expect(try harness.bytes("shots/poster-sale.png") == [1, 2, 3], "never replaced")
            #expect(ImageMetadata(readingFrom: try harness.bytes("shots/poster-sale-2.png"))["preset"] == "poster")
            let note = String(decoding: try harness.bytes("shots/bad.error.txt"), as: UTF8.self)
            #expect(note.contains("output_name '../{name}' contains '/'"), "\(note)")
            #expect(harness.stub.generationRequests.count == 2)
        }
    }
}
