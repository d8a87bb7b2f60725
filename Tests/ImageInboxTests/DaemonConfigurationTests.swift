import Configuration
import Foundation
import ImageInbox
import SystemPackage
import Testing

struct DaemonConfigurationTests {
    let inbox = FileManager.default.temporaryDirectory.path

    func configuration(_ values: [AbsoluteConfigKey: ConfigValue], file: String? = nil) async throws -> DaemonConfiguration {
        var providers: [any ConfigProvider] = [InMemoryProvider(name: "flags", values: values)]
        if let file { providers.append(try await FileProvider<NamedInboxesYAMLSnapshot>(filePath: FilePath(file))) }
        return try DaemonConfiguration(reader: ConfigReader(providers: providers), credentialsDirectory: nil, defaultStateDirectory: "/tmp/state")
    }

    func value(_ text: String) -> ConfigValue { ConfigValue(.string(text), isSecret: false) }

    /// A `models:` list in the file is read as the catalogue's overrides, checked by the schema
    /// first, and the defaults are checked against the result.
    @Test func aFilesModelsAddAModelAndChangeAnother() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("models-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = """
            provider: openai
            model: acme-image-9
            defaults:
              quality: final
            models:
              - provider: openai
                id: acme-image-9
                qualities: [draft, final]
                prices: {text_input: 1, image_input: 2, image_output: 3}
              - provider: openai
                id: gpt-image-2
                shutdown_date: "2027-06-01"
            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try ConfigurationFile.check(path)
        let settings = try await configuration(["inboxes": ConfigValue(.stringArray([inbox]), isSecret: false), "api_key": value("k-123456")], file: path)
        #expect(settings.catalogue.model("acme-image-9", provider: .openai)?.qualities == ["draft", "final"])
        #expect(settings.catalogue.model("gpt-image-2", provider: .openai)?.shutdownDate == "2027-06-01")
        #expect(settings.catalogue.model("gpt-image-2", provider: .openai)?.prices?.imageOutput == 30)
        #expect(settings.runner.prices.prices(of: "acme-image-9")?.imageOutput == 3)
        #expect(try settings.profile.resolve(settings.defaults).quality == "final")
        // A list entry without its provider and id is refused by the schema, by line.
        try Data("models:\n  - id: x\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ImageInboxError.self) { try ConfigurationFile.check(path) }
    }

    @Test func theExampleConfigurationIsValid() async throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("etc/image-inbox/config.yaml").path
        let settings = try await configuration(
            ["inboxes": ConfigValue(.stringArray([inbox]), isSecret: false), "api_key": value("k-123456")],
            file: example
        )
        #expect(settings.provider == .aimlapi)
        #expect(settings.baseURL == "https://api.aimlapi.com/v1")
        #expect(settings.defaults.model == "openai/gpt-image-2")
        #expect(settings.defaults.size == "1024x1024")
        #expect(settings.watch.ignoreRules.extraPatterns == ["*.bak"])
        #expect(settings.watch.settle.quietWindow == .seconds(5))
        #expect(settings.requestTimeout == .seconds(300))
        #expect(settings.maximumUSDPerDay == 5)
        #expect(settings.pauseProbeInterval == .seconds(300))
        #expect(settings.shutdownTimeout == .seconds(60))
        #expect(settings.retry.maximumAttempts == nil, "no cap: transient failures are tried for a day")
        #expect(settings.retry.giveUpAfter == .seconds(86_400))
        #expect(settings.retry.noticeAfter == .seconds(300))
        #expect(settings.orphanTimeout == .seconds(600))
    }

    @Test func withoutAKeyOnlyADryRunStarts() async throws {
        let error = try await #require(throws: ImageInboxError.self) {
            try await configuration(["inboxes": ConfigValue(.stringArray([inbox]), isSecret: false)])
        }
        #expect(error.message.contains("--dry-run"))
        let dry = try await configuration(["inboxes": ConfigValue(.stringArray([inbox]), isSecret: false), "dry_run": ConfigValue(.bool(true), isSecret: false)])
        #expect(dry.apiKey == nil && dry.dryRun)
    }

    @Test(arguments: [
        ("provider", ConfigContent.string("stability")), ("base_url", .string("ftp://x")), ("watch.mode", .string("fanotify")),
        ("log_level", .string("loud")), ("response_format", .string("xml")), ("defaults.size", .string("640x480")),
        ("defaults.format", .string("gif")), ("max_usd_per_day", .double(-1)), ("retry.max_attempts", .int(0)),
        ("pause_probe_seconds", .double(0)), ("concurrency", .int(0)), ("max_usd_per_day", .string("five")),
        ("watch.quiet_seconds", .string("soon")), ("dry_run", .string("maybe")),
        ("output.mode", .string("rwxr-xr-x")), ("output.mode", .string("4755")), ("output.group", .string("no-such-group-here")),
        ("metrics_address", .string("0.0.0.0")),
    ])
    func invalidSettingsAreRefusedByName(key: String, bad: ConfigContent) async throws {
        var values: [AbsoluteConfigKey: ConfigValue] = [
            "inboxes": ConfigValue(.stringArray([inbox]), isSecret: false), "dry_run": ConfigValue(.bool(true), isSecret: false),
        ]
        values[AbsoluteConfigKey(ConfigKey(key))] = ConfigValue(bad, isSecret: false)
        let error = try await #require(throws: ImageInboxError.self) {
            try await configuration(values)
        }
        #expect(error.code == .invalidConfiguration)
        #expect(error.message.contains(String(key.split(separator: ".").last!)), "\(error.message)")
    }

    @Test func aMissingInboxIsNamed() async throws {
        let error = try await #require(throws: ImageInboxError.self) {
            try await configuration(["inboxes": ConfigValue(.stringArray(["/no/such/inbox"]), isSecret: false), "dry_run": ConfigValue(.bool(true), isSecret: false)])
        }
        #expect(error.message.contains("/no/such/inbox"))
    }

    @Test func theKeyNeverShowsInDescriptions() {
        let key = APIKey("sk-secret-value-123\n")
        #expect(key.value == "sk-secret-value-123")
        #expect("\(key)" == "[redacted]")
        #expect(key.redact("echo sk-secret-value-123 back") == "echo [redacted] back")
    }
}

extension DaemonConfigurationTests {
    @Test func outputModeAndGroupAreRead() async throws {
        let settings = try await configuration([
            "inboxes": ConfigValue(.stringArray([inbox]), isSecret: false), "dry_run": ConfigValue(.bool(true), isSecret: false),
            "output.mode": ConfigValue(.int(664), isSecret: false), "output.group": value("root"),
            "metrics_address": value("127.0.0.1:9464"),
        ])
        #expect(settings.output.mode == 0o664, "an unquoted 0664 reads as 664: the same digits")
        #expect(settings.output.group == 0)
        #expect(settings.metricsAddress == MetricsAddress("127.0.0.1:9464"))
    }
}
