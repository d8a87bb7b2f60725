import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

/// A team's house style on the share: a folder's prompt template, its presets, and the values
/// its admin locked, as the strict stub receives them and the results record them.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct HouseStyleTests {
    @Test func aTemplateAPresetAndALockReachTheAPIAndTheMetadata() async throws {
        try await DaemonHarness.run { harness in
            try harness.drop(
                "brand/image-inbox.yaml",
                """
                prompt_template: "{prompt}. Flat vector illustration in the brand palette: navy, coral, sand."
                presets:
                  poster: {size: 1024x1536, quality: high, prompt_template: "Poster, {prompt}, bold type space at the top"}
                """
            )
            try harness.drop("brand/drafts/image-inbox.yaml", "locked: {quality: low}\n")
            try await harness.withDaemon {
                try harness.drop("brand/fox.prompt", "A fox in a forest")
                try harness.drop("brand/sale.prompt", "---\npreset: poster\n---\nSummer sale")
                try harness.drop("brand/drafts/owl.prompt", "---\npreset: poster\nquality: high\n---\nAn owl at night")
                try harness.drop("brand/typo.prompt", "---\npreset: postr\n---\nA typo")
                #expect(await eventually {
                    harness.names(in: "brand").contains("fox.png") && harness.names(in: "brand").contains("sale.png")
                        && harness.names(in: "brand/drafts").contains("owl.png") && harness.names(in: "brand").contains("typo.error.txt")
                })
            }
            let byPrompt = Dictionary(uniqueKeysWithValues: harness.stub.generationRequests.compactMap { request in request.fields["prompt"].map { ($0, request.fields) } })
            #expect(byPrompt.count == 3, "\(byPrompt.keys.sorted())")
            let fox = "A fox in a forest. Flat vector illustration in the brand palette: navy, coral, sand."
            #expect(byPrompt[fox] != nil)
            let sale = try #require(byPrompt["Poster, Summer sale, bold type space at the top"])
            #expect(sale["size"] == "1024x1536" && sale["quality"] == "high")
            let owl = try #require(byPrompt["Poster, An owl at night, bold type space at the top"])
            #expect(owl["size"] == "1024x1536" && owl["quality"] == "low", "drafts/ locks quality: low over the preset and the front matter")

            #expect(ImageMetadata(readingFrom: try harness.bytes("brand/fox.png"))["prompt"] == fox)
            let owlMetadata = ImageMetadata(readingFrom: try harness.bytes("brand/drafts/owl.png"))
            #expect(owlMetadata["prompt"] == "Poster, An owl at night, bold type space at the top")
            #expect(owlMetadata["quality"] == "low")
            let note = String(decoding: try harness.bytes("brand/typo.error.txt"), as: UTF8.self)
            #expect(note.contains("preset 'postr' is not defined for this folder. Did you mean 'poster'?"), "\(note)")
        }
    }
}
