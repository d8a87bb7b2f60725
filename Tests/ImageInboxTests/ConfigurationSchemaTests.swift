import Foundation
import ImageInbox
import Testing

struct ConfigurationSchemaTests {
    /// Checks `text` as a configuration file; the error message, or nil when it is accepted.
    static func refusal(of text: String) throws -> String? {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("schema-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        do {
            try ConfigurationFile.check(path)
            return nil
        } catch {
            #expect(error.code == .invalidConfiguration)
            return error.message
        }
    }

    @Test func theShippedExampleIsAccepted() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../etc/image-inbox/config.yaml").path
        #expect(try Self.refusal(of: String(contentsOfFile: example, encoding: .utf8)) == nil)
    }

    @Test func aMistypedKeyIsNamedWithItsLineAndTheKeyMeant() throws {
        let message = try #require(try Self.refusal(of: "inboxes: [/srv/in]\nconcurency: 8\n"))
        #expect(message.contains("concurency (line 2)"), "\(message)")
        #expect(message.contains("Did you mean 'concurrency'?"), "\(message)")
    }

    @Test func keysInsideSectionsAreCheckedToo() throws {
        let message = try #require(try Self.refusal(of: "watch:\n  mode: auto\n  settle_secs: 1\nretry:\n  base_delay: 2\n"))
        #expect(message.contains("watch.settle_secs (line 3)") && message.contains("'watch.settle_seconds'"), "\(message)")
        #expect(message.contains("retry.base_delay (line 5)") && message.contains("'retry.base_delay_seconds'"), "\(message)")
    }

    @Test func aSectionKeyAtTheTopIsPointedToItsSection() throws {
        let message = try #require(try Self.refusal(of: "quiet_seconds: 3\n"))
        #expect(message.contains("'watch.quiet_seconds'"), "\(message)")
    }

    @Test func anUnknownSectionIsRefused() throws {
        let message = try #require(try Self.refusal(of: "inboxes: [/srv/in]\nlogging:\n  level: debug\n"))
        #expect(message.contains("logging (line 2)") && message.contains("is not a setting of the configuration"), "\(message)")
    }

    @Test(arguments: [
        ("concurrency: eight\n", "'eight' is not a whole number"),
        ("max_usd_per_day: five dollars\n", "'five dollars' is not a number"),
        ("dry_run: sometimes\n", "'sometimes' is not true or false"),
        ("provider:\n  name: openai\n", "must be a single value, not a section"),
        ("watch: poll\n", "is a section"),
        ("ignore:\n  - a: b\n", "must be a list of single values"),
    ])
    func valuesOfTheWrongKindAreRefused(text: String, expected: String) throws {
        let message = try #require(try Self.refusal(of: text))
        #expect(message.contains(expected), "\(message)")
    }

    @Test func rightValuesAndEmptyOnesAreAccepted() throws {
        let text = """
            inboxes:
              - /srv/in
            ignore: "*.bak"
            concurrency: 8
            max_usd_per_day: 5
            request_timeout: 120.5
            dry_run: false
            metrics_address: 127.0.0.1:9464
            defaults:
              size: 1024x1536
              compression: 80
            watch:
            retry:
              max_attempts: 3

            """
        #expect(try Self.refusal(of: text) == nil)
    }

    @Test(arguments: [
        ("concurency", "concurrency"), ("settle", "settle_seconds"), ("qualtiy", "quality"), ("modle", "model"),
        ("colour", nil as String?),
    ])
    func suggestionsAreTheNearestKey(typed: String, meant: String?) {
        let known = ["concurrency", "settle_seconds", "quality", "model", "count", "size"]
        #expect(KeySuggestion.nearest(to: typed, among: known) == meant)
    }

    @Test func aFolderDefaultsTypoIsNamedWithItsLineAndTheKeyMeant() throws {
        try FolderDefaultsCacheTests.withInbox { inbox in
            try FolderDefaultsCacheTests.write("size: 1024x1024\nqualty: high\n", to: inbox + "/image-inbox.yaml", modified: Date())
            let error = #expect(throws: ImageInboxError.self) { try FolderDefaultsCache().parameters(for: inbox, inbox: inbox) }
            let message = error?.message ?? ""
            #expect(message.contains("Unknown key 'qualty' (line 2)") && message.contains("Did you mean 'quality'?"), "\(message)")
            #expect(message.contains(inbox + "/image-inbox.yaml"), "\(message)")
        }
    }
}

extension ConfigurationSchemaTests {
    @Test func strayEnvironmentVariablesAreFoundWithTheOneMeant() {
        let environment = [
            "IMAGE_INBOX_CONCURENCY": "8", "IMAGE_INBOX_CONCURRENCY": "8", "IMAGE_INBOX_WATCH_MODE": "poll",
            "IMAGE_INBOX_API_KEY": "k", "IMAGE_INBOX_CONFIG": "/etc/x.yaml", "HOME": "/root",
        ]
        let stray = ConfigurationSchema.unknownEnvironmentVariables(in: environment)
        #expect(stray.map(\.name) == ["IMAGE_INBOX_CONCURENCY"])
        #expect(stray.first?.meant == "IMAGE_INBOX_CONCURRENCY")
    }
}
