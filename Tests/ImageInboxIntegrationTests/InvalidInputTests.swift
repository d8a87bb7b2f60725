import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

@Suite(.serialized, .timeLimit(.minutes(2)))
struct InvalidInputTests {
    /// Each bad file, and words its error file must contain.
    static let cases: [(name: String, content: [UInt8], says: String)] = [
        ("empty.prompt", [], "prompt is empty"),
        ("blank.prompt", Array("---\nsize: 1024x1024\n---\n  \n".utf8), "prompt is empty"),
        ("unknown.prompt", Array("---\nstyle: vivid\n---\nA cat".utf8), "Unknown key 'style'"),
        ("size.prompt", Array("---\nsize: 800x600\n---\nA cat".utf8), "size '800x600'"),
        ("quality.prompt", Array("---\nquality: ultra\n---\nA cat".utf8), "quality 'ultra'"),
        ("jpegclear.prompt", Array("---\nformat: jpeg\nbackground: transparent\n---\nA cat".utf8), "transparent background needs format png or webp"),
        ("count.prompt", Array("---\ncount: 11\n---\nA cat".utf8), "count 11"),
        ("compression.prompt", Array("---\ncompression: 50\n---\nA cat".utf8), "compression applies to jpeg and webp"),
        ("unclosed.prompt", Array("---\nsize: 1024x1024\nA cat".utf8), "never ends"),
        ("yaml.prompt", Array("---\nsize: [1024\n---\nA cat".utf8), "not valid YAML"),
        ("long.prompt", Array(String(repeating: "word ", count: 6_401).utf8), "the limit is 32000"),
        ("latin1.prompt", [0x43, 0x61, 0x66, 0xE9, 0x20, 0x61, 0x75, 0x20, 0x6C, 0x61, 0x69, 0x74], "not UTF-8 text"),
    ]

    @Test func eachInvalidFileGetsItsErrorFileAndSendsNothing() async throws {
        try await DaemonHarness.run { harness in
            try await harness.withDaemon {
                for bad in Self.cases {
                    try Data(bad.content).write(to: URL(fileURLWithPath: harness.inbox + "/" + bad.name))
                }
                #expect(await eventually { harness.names().filter { $0.hasSuffix(".error.txt") }.count == Self.cases.count })
            }
            #expect(harness.stub.generationRequests.isEmpty)
            let jobs = try await SQLiteLedger.open(at: harness.stateDirectory + "/ledger.sqlite").allJobs()
            #expect(jobs.count == Self.cases.count)
            #expect(jobs.allSatisfy { $0.state == .failed && $0.lastError != nil }, "\(jobs.map { ($0.sourcePath, $0.state) })")
            for bad in Self.cases {
                let stem = String(bad.name.dropLast(".prompt".count))
                let text = String(decoding: try harness.bytes(stem + ".error.txt"), as: UTF8.self)
                #expect(text.contains(bad.says), "\(bad.name): \(text)")
                #expect(text.contains("Job: "))
                #expect(text.contains("What happens next"))
                #expect(harness.names().contains(bad.name), "the source stays in place")
            }
        }
    }

    @Test func fixingTheFileRemovesTheErrorAndMakesTheImage() async throws {
        try await DaemonHarness.run { harness in
            try await harness.withDaemon {
                try harness.drop("cat.prompt", "---\nsize: 800x600\n---\nA cat")
                #expect(await eventually { harness.names().contains("cat.error.txt") })
                try harness.drop("cat.prompt", "---\nsize: 1024x1024\n---\nA cat")
                #expect(await eventually { harness.names().contains("cat.png") && !harness.names().contains("cat.error.txt") })
            }
            #expect(harness.stub.generationRequests.count == 1)
        }
    }

    @Test func anErrorFileOfSomeoneElsesIsNeverReplaced() async throws {
        try await DaemonHarness.run { harness in
            try harness.drop("cat.error.txt", "my own notes")
            try await harness.withDaemon {
                try harness.drop("cat.prompt", "")
                try harness.drop("dog.prompt", "")
                #expect(await eventually { harness.names().contains("dog.error.txt") })
            }
            #expect(String(decoding: try harness.bytes("cat.error.txt"), as: UTF8.self) == "my own notes")
        }
    }

    @Test func aSymbolicLinkOutOfTheInboxIsRefusedAndNeverRead() async throws {
        try await DaemonHarness.run { harness in
            let outside = harness.stateDirectory + "-secret.prompt"
            try Data("a secret prompt outside the inbox".utf8).write(to: URL(fileURLWithPath: outside))
            try await harness.withDaemon {
                try FileManager.default.createSymbolicLink(atPath: harness.inbox + "/link.prompt", withDestinationPath: outside)
                #expect(await eventually { harness.names().contains("link.error.txt") })
            }
            #expect(harness.stub.generationRequests.isEmpty)
            #expect(String(decoding: try harness.bytes("link.error.txt"), as: UTF8.self).contains("symbolic link"))
        }
    }

    @Test func aFIFONamedLikeAPromptIsRefusedWithoutBlocking() async throws {
        try await DaemonHarness.run { harness in
            try await harness.withDaemon {
                #expect(mkfifo(harness.inbox + "/pipe.prompt", 0o644) == 0)
                try harness.drop("after.prompt", "Still working")
                #expect(await eventually { harness.names().contains("pipe.error.txt") && harness.names().contains("after.png") })
            }
            #expect(harness.stub.generationRequests.count == 1)
        }
    }

    @Test func providerRefusalsAreReportedInPlainWords() async throws {
        try await DaemonHarness.run { harness in
            try await harness.withDaemon {
                try harness.drop("retired.prompt", "---\nmodel: openai/dall-e-1\n---\nA cat")
                try harness.drop("unsafe.prompt", "forbidden-by-moderation please")
                #expect(await eventually { harness.names().filter { $0.hasSuffix(".error.txt") }.count == 2 })
            }
            let retired = String(decoding: try harness.bytes("retired.error.txt"), as: UTF8.self)
            #expect(retired.contains("does not know this model"))
            #expect(retired.contains("The model 'openai/dall-e-1' does not exist"))
            let unsafe = String(decoding: try harness.bytes("unsafe.error.txt"), as: UTF8.self)
            #expect(unsafe.contains("safety system") && unsafe.contains("It flagged: violence, self harm."), "\(unsafe)")
            #expect(!retired.contains(harness.stub.apiKey) && !unsafe.contains(harness.stub.apiKey))
        }
    }

    @Test func junkAndHiddenFilesStartNothing() async throws {
        try await DaemonHarness.run { harness in
            try await harness.withDaemon {
                for name in ["._cat.prompt", ".hidden.prompt", "cat.prompt~", "cat.prompt.part", "__MACOSX/cat.prompt", "@eaDir/x.prompt", "notes.txt", "picture.png"] {
                    try harness.drop(name, "A cat")
                }
                try harness.drop("real.prompt", "A real cat")
                #expect(await eventually { harness.names().contains("real.png") })
                try await Task.sleep(for: .milliseconds(1500))
            }
            #expect(harness.stub.generationRequests.map { $0.fields["prompt"] } == ["A real cat"])
        }
    }

    /// The peak resident memory of this process so far, in bytes (`VmHWM`).
    static func peakResidentBytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        return try #require(Int(line.split(separator: " ").dropFirst().first ?? "")) * 1024
    }

    @Test func anAliasBombInFrontMatterOrFolderDefaultsIsReportedAndTheNextPromptIsMade() async throws {
        let bomb = GuardedYAMLBomb.text
        try await DaemonHarness.run { harness in
            let peakBefore = try Self.peakResidentBytes()
            try await harness.withDaemon {
                try harness.drop("bomb.prompt", "---\n" + bomb + "\n---\nA cat")
                try harness.drop("posters/" + FolderDefaults.fileName, bomb)
                try harness.drop("posters/poster.prompt", "A poster")
                #expect(await eventually { harness.names().contains("bomb.error.txt") && harness.names(in: "posters").contains("poster.error.txt") })
                try harness.drop("next.prompt", "A dog")
                #expect(await eventually { harness.names().contains("next.png") })
            }
            // Expanded, the bomb is a billion values: gigabytes. Refused, it costs nothing.
            #expect(try Self.peakResidentBytes() - peakBefore < 256 * 1024 * 1024)
            #expect(harness.stub.generationRequests.map { $0.fields["prompt"] } == ["A dog"])
            let front = String(decoding: try harness.bytes("bomb.error.txt"), as: UTF8.self)
            #expect(front.contains("anchor or alias") && front.contains("line 2"), "\(front)")
            let folder = String(decoding: try harness.bytes("posters/poster.error.txt"), as: UTF8.self)
            #expect(folder.contains("image-inbox.yaml") && folder.contains("anchor or alias"), "\(folder)")
        }
    }
}

/// A billion-laughs document: nine levels of ten aliases, about a kilobyte.
enum GuardedYAMLBomb {
    static let text: String = {
        var lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1...9 {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        return lines.joined(separator: "\n")
    }()
}
