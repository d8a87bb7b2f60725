import Foundation
import ImageInbox
import Testing

struct GuardedYAMLTests {
    /// Nine levels of ten aliases: a billion leaves out of about a kilobyte.
    static let aliasBomb: String = {
        var lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1...9 {
            let previous = "*a\(level - 1)"
            lines.append("a\(level): &a\(level) [" + Array(repeating: previous, count: 10).joined(separator: ", ") + "]")
        }
        return lines.joined(separator: "\n")
    }()

    @Test func plainMappingsAreRead() throws {
        let value = try GuardedYAML.load("size: 1024x1024\ncount: 2\ntags: [a, b]\n", maximumBytes: 1024)
        let mapping = try #require(value as? [String: Any])
        #expect(mapping["size"] as? String == "1024x1024")
        #expect(mapping["count"] as? Int == 2)
        #expect(mapping["tags"] as? [String] == ["a", "b"])
    }

    @Test func anEmptyDocumentIsNothing() throws {
        #expect(try GuardedYAML.load("", maximumBytes: 1024) == nil)
        #expect(try GuardedYAML.load("# only a comment\n", maximumBytes: 1024) == nil)
    }

    @Test func anAliasBombIsRefusedAtItsFirstAnchor() {
        let clock = ContinuousClock()
        let started = clock.now
        #expect(throws: GuardedYAML.Refusal(problem: "uses a YAML anchor or alias ('&name' or '*name'), which is not accepted; write each value out", line: 1)) {
            try GuardedYAML.load(Self.aliasBomb, maximumBytes: 16 * 1024)
        }
        // Expanding it takes minutes and gigabytes; refusing it, well under a second even on a loaded machine.
        #expect(started.duration(to: clock.now) < .seconds(5))
    }

    @Test func aSingleAnchorOrMergeKeyIsRefusedWithItsLine() throws {
        let refusal = try #require(throws: GuardedYAML.Refusal.self) {
            try GuardedYAML.load("size: 1024x1024\nbase: &b {quality: high}\nposter:\n  <<: *b\n", maximumBytes: 1024)
        }
        #expect(refusal.line == 2)
    }

    @Test func deepNestingIsRefusedBeforeItIsComposed() {
        let flow = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: GuardedYAML.Refusal.self) { try GuardedYAML.load("a: " + flow, maximumBytes: 1024 * 1024) }
        var block = ""
        for level in 0...GuardedYAML.maximumDepth { block += String(repeating: " ", count: level) + "k\(level):\n" }
        #expect(throws: GuardedYAML.Refusal.self) { try GuardedYAML.load(block + String(repeating: " ", count: 40) + "leaf", maximumBytes: 64 * 1024) }
    }

    @Test func bracketsInsideAStringAreFine() throws {
        let value = try GuardedYAML.load("title: \"[draft] {v2}\"\n", maximumBytes: 1024)
        #expect((value as? [String: Any])?["title"] as? String == "[draft] {v2}")
    }

    @Test func aDocumentOverTheLimitIsRefused() {
        #expect(throws: GuardedYAML.Refusal.self) { try GuardedYAML.load(String(repeating: "# x\n", count: 1000), maximumBytes: 1024) }
    }

    @Test func aPromptWithAnAliasBombGetsAnErrorNamingIt() {
        let text = "---\n" + Self.aliasBomb + "\n---\nA cat."
        let error = #expect(throws: ImageInboxError.self) { try PromptDocument(data: Data(text.utf8)) }
        #expect(error?.code == .invalidSource)
        #expect(error?.message.contains("line 2") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("anchor or alias") == true)
    }

    @Test func aConfigurationFileWithAnAliasIsRefusedAndAMissingOneIsNotChecked() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("guarded-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(("inboxes: [/srv/in]\n" + Self.aliasBomb).utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: ImageInboxError.self) { try ConfigurationFile.check(path) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("line 2") == true, "\(error?.message ?? "")")
        try Data("inboxes: [/srv/in]\nconcurrency: 4\n".utf8).write(to: URL(fileURLWithPath: path))
        try ConfigurationFile.check(path)
        try ConfigurationFile.check(path + ".missing")
    }

    /// Found by fuzzing: Yams stops the process on a key that is a list or a mapping, and on a
    /// base-60 number too large for an Int; a share file holding either is refused instead.
    @Test func whatWouldStopTheProcessIsRefused() throws {
        for text in ["{[a]: b}", "? [a]\n: b", "? {a: 1}\n: b", "a: 1:0:0:0:0:0:0:0:0:0:0"] {
            #expect(throws: GuardedYAML.Refusal.self, "\(text)") { try GuardedYAML.load(text, maximumBytes: 1024) }
        }
        #expect(try GuardedYAML.load("a: 10:30", maximumBytes: 1024) as? [String: Int] == ["a": 630])
        let error = #expect(throws: ImageInboxError.self) { try PromptDocument(data: Data("---\n[size]: 1024x1024\n---\nA cat".utf8)) }
        #expect(error?.code == .invalidSource)
    }
}
