import Configuration
import Foundation
import ImageInbox
import Testing

/// What `image-inbox check` says of the models in use that retire.
struct ConfigurationCheckModelsTests {
    /// 2026-12-07 12:00 UTC.
    static let now = Date(timeIntervalSince1970: 1_796_644_800)

    func check() throws -> ConfigurationCheck {
        let inbox = FileManager.default.temporaryDirectory.appendingPathComponent("check-models-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        let configuration = try DaemonConfiguration(
            reader: ConfigReader(provider: InMemoryProvider(values: [
                "inboxes": ConfigValue(.stringArray([inbox]), isSecret: false), "dry_run": ConfigValue(.bool(true), isSecret: false),
                "provider": ConfigValue(.string("openai"), isSecret: false), "watch.mode": ConfigValue(.string("poll"), isSecret: false),
            ])),
            credentialsDirectory: nil,
            defaultStateDirectory: FileManager.default.temporaryDirectory.path + "/check-models-state"
        )
        return ConfigurationCheck(configuration)
    }

    func retirement(_ model: String, _ date: String, _ replacement: String?) throws -> ModelRetirement {
        try #require(ModelRetirement(model: model, shutdownDate: date, replacement: replacement))
    }

    @Test func eachModelInUseWithADateIsAWarningNamingItsReplacement() throws {
        var check = try check()
        let before = check.findings.count
        check.checkModels([try retirement("gpt-image-2", "2026-12-27", "gpt-image-2.6-flare")], configured: ["gpt-image-2"], listFailure: nil, now: Self.now)
        #expect(check.findings.dropFirst(before).map(\.severity) == [.warning])
        #expect(check.findings.last?.text == "model gpt-image-2 shuts down on 2026-12-27 (20 days); its replacement: gpt-image-2.6-flare")
    }

    @Test func aConfiguredModelAlreadyShutDownIsAProblem() throws {
        var check = try check()
        let before = check.findings.count
        let retired = try retirement("gpt-image-1.5", "2026-12-01", "gpt-image-2.6-flare")
        check.checkModels([retired], configured: ["gpt-image-1.5"], listFailure: "HTTP 500", now: Self.now)
        let added = Array(check.findings.dropFirst(before))
        #expect(added.map(\.severity) == [.warning, .problem])
        #expect(added.first?.text.hasPrefix("can't list the images API's models (HTTP 500)") == true)
        #expect(
            added.last?.text
                == "model gpt-image-1.5 was shut down on 2026-12-01, its jobs fail; its replacement: gpt-image-2.6-flare; "
                + "change model: in the configuration"
        )
        // The same model seen only in a recent job is a warning: the configuration is not wrong.
        var other = try self.check()
        let otherBefore = other.findings.count
        other.checkModels([retired], configured: ["gpt-image-2"], listFailure: nil, now: Self.now)
        #expect(other.findings.dropFirst(otherBefore).map(\.severity) == [.warning])
    }

    @Test func noDateIsSaidToo() throws {
        var check = try check()
        check.checkModels([], configured: ["gpt-image-2"], listFailure: nil, now: Self.now)
        #expect(check.findings.last?.severity == .ok && check.findings.last?.text == "no shutdown is announced for the models in use")
    }
}
