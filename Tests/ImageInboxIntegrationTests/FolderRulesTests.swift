import Foundation
import Glibc
import ImageInbox
import ImageInboxTestSupport
import Testing

/// What a folder's `image-inbox.yaml` locks stays locked: a deeper folder, a front matter and a
/// CSV row can't get around it, and a file that can't be read holds the folders below it
/// instead of letting their jobs run without it.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct FolderRulesTests {
    @Test func aLockedTemplateAndOutputNameHoldOverADeeperFolderAFrontMatterAndACSV() async throws {
        try await DaemonHarness.run { harness in
            try harness.drop(
                "brand/image-inbox.yaml",
                "locked:\n  prompt_template: \"{prompt}. Brand style.\"\n  output_name: \"brand-{name}-{index}\"\n"
            )
            try harness.drop(
                "brand/team/image-inbox.yaml",
                "prompt_template: \"{prompt}. Team style.\"\noutput_name: \"team-{name}\"\npresets:\n  loud: {prompt_template: \"LOUD {prompt}\"}\n"
            )
            let expected: Set = ["brand-fox-001.png", "brand-shots-001.png", "brand-shots-002.png"]
            try await harness.withDaemon {
                try harness.drop("brand/team/fox.prompt", "---\npreset: loud\noutput_name: \"my-{name}\"\n---\nA fox")
                try harness.drop("brand/team/shots.csv", "prompt,name,preset\nA mug,mug,loud\nA tote,tote,\n")
                #expect(await eventually { Set(harness.names(in: "brand/team").filter { $0.hasSuffix(".png") }) == expected })
            }
            let prompts = harness.stub.generationRequests.compactMap { $0.fields["prompt"] }
            #expect(Set(prompts) == ["A fox. Brand style.", "A mug. Brand style.", "A tote. Brand style."], "\(prompts)")
            #expect(prompts.count == 3)
            #expect(ImageMetadata(readingFrom: try harness.bytes("brand/team/brand-fox-001.png"))["prompt"] == "A fox. Brand style.")
        }
    }

    /// Ways an `image-inbox.yaml` can be there and yet not be read (`chmod 000` is not one a
    /// test can count on: root reads the file all the same).
    enum Breakage: String, CaseIterable, Sendable {
        case symbolicLink, overSixtyFourKB, fifo, folder

        func make(at path: String) throws {
            switch self {
            case .symbolicLink:
                try Data("locked: {quality: high}\n".utf8).write(to: URL(fileURLWithPath: path + ".real"))
                try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: path + ".real")
            case .overSixtyFourKB:
                try Data(("locked: {quality: low}\n# " + String(repeating: "x", count: 70_000) + "\n").utf8).write(to: URL(fileURLWithPath: path))
            case .fifo:
                #expect(mkfifo(path, 0o644) == 0)
            case .folder:
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            }
        }

        /// What the folder's note says is wrong.
        var phrase: String {
            switch self {
            case .symbolicLink: "image-inbox.yaml here can't be read: it is a symbolic link"
            case .overSixtyFourKB: "over the limit of 64 KB"
            case .fifo, .folder: "it is not a plain file"
            }
        }
    }

    @Test(arguments: Breakage.allCases)
    func anUnreadableUpperFileHoldsTheFoldersBelowUntilItIsFixed(breakage: Breakage) async throws {
        try await DaemonHarness.run { harness in
            let rules = harness.inbox + "/brand/image-inbox.yaml"
            try FileManager.default.createDirectory(atPath: harness.inbox + "/brand/drafts", withIntermediateDirectories: true)
            try breakage.make(at: rules)
            try await harness.withDaemon {
                try harness.drop("brand/drafts/idea.prompt", "An idea")
                try harness.drop("other/free.prompt", "Free")
                // The note proves the job below looked at the file; the other folder's result, that
                // the daemon runs.
                #expect(await eventually {
                    harness.names(in: "brand").contains("image-inbox.paused.txt") && harness.names(in: "other").contains("free.png")
                })
                #expect(harness.stub.generationRequests.compactMap { $0.fields["prompt"] } == ["Free"], "nothing is sent from below the file")
                #expect(harness.names(in: "brand/drafts") == ["idea.prompt"], "it waits: no result, no error note")
                let note = String(decoding: try harness.bytes("brand/image-inbox.paused.txt"), as: UTF8.self)
                #expect(note.contains(breakage.phrase), "\(note)")
                #expect(note.contains("Files dropped here and below wait"), "\(note)")

                // The fix is swapped in whole, as an editor saves, so that no look finds the folder
                // without its rules (but for a folder in the way, which has to go first).
                try harness.drop("brand/.image-inbox.yaml.new", "locked: {quality: low}\n")
                if breakage == .folder { try FileManager.default.removeItem(atPath: rules) }
                #expect(rename(harness.inbox + "/brand/.image-inbox.yaml.new", rules) == 0)
                #expect(await eventually { harness.names(in: "brand/drafts").contains("idea.png") })
                #expect(!harness.names(in: "brand").contains("image-inbox.paused.txt"), "the note goes with the wait")
            }
            let idea = try #require(harness.stub.generationRequests.first { $0.fields["prompt"] == "An idea" })
            #expect(idea.fields["quality"] == "low", "made with the rules that were meant to apply")
            #expect(harness.stub.generationRequests.count == 2)
        }
    }
}
