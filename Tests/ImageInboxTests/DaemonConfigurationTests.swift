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
