import ArgumentParser
import Configuration
import Foundation
import ImageInbox
import SystemPackage

/// The options `run` and `generate` share, and how they become a configuration.
struct SharedOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: /etc/image-inbox/config.yaml when it exists).")
    var config: String?

    @Option(name: .long, help: "Images API: aimlapi, openai or compatible.")
    var provider: String?

    @Option(name: .customLong("base-url"), help: "The API's base URL (ending in /v1).")
    var baseURL: String?

    @Option(name: .customLong("api-key-file"), help: "File holding the API key.")
    var apiKeyFile: String?

    @Option(name: .long, help: "Model id, such as openai/gpt-image-2 (aimlapi) or gpt-image-2 (openai).")
    var model: String?

    @Option(name: .customLong("state-dir"), help: "Where the job ledger is kept.")
    var stateDir: String?

    @Option(name: .customLong("ledger-url"), help: "A shared PostgreSQL ledger, postgres://USER@HOST/DB?sslmode=verify-full (default: SQLite in the state directory).")
    var ledgerURL: String?

    @Option(name: .customLong("ledger-password-file"), help: "File holding the shared ledger's password (default: systemd's credential ledger-password, else the URL's).")
    var ledgerPasswordFile: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    @Flag(name: .customLong("dry-run"), help: "Make offline placeholder images instead of calling the API.")
    var dryRun = false

    /// Builds the configuration: flags over `IMAGE_INBOX_*` environment variables over the file.
    func load(extra: [AbsoluteConfigKey: ConfigValue] = [:], purpose: DaemonConfiguration.Purpose) async throws -> DaemonConfiguration {
        var values = extra
        func put(_ key: AbsoluteConfigKey, _ value: String?) {
            if let value { values[key] = ConfigValue(.string(value), isSecret: false) }
        }
        put("provider", provider)
        put("base_url", baseURL)
        put("api_key_file", apiKeyFile)
        put("model", model)
        put("state_dir", stateDir)
        put("ledger_password_file", ledgerPasswordFile)
        put("log_level", logLevel)
        if let ledgerURL { values["ledger_url"] = ConfigValue(.string(ledgerURL), isSecret: true) }
        if dryRun { values["dry_run"] = ConfigValue(.bool(true), isSecret: false) }

        let environment = ProcessInfo.processInfo.environment
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: values),
            EnvironmentVariablesProvider(secretsSpecifier: .specific(["IMAGE_INBOX_API_KEY", "IMAGE_INBOX_LEDGER_URL"])).prefixKeys(with: ["image_inbox"]),
        ]
        let path = config ?? environment["IMAGE_INBOX_CONFIG"] ?? "/etc/image-inbox/config.yaml"
        try ConfigurationFile.check(path)
        providers.append(try await FileProvider<NamedInboxesYAMLSnapshot>(filePath: FilePath(path), allowMissing: config == nil))

        return try DaemonConfiguration(
            reader: ConfigReader(providers: providers),
            credentialsDirectory: environment["CREDENTIALS_DIRECTORY"],
            defaultStateDirectory: Self.defaultStateDirectory(environment),
            purpose: purpose
        )
    }

    /// systemd's `$STATE_DIRECTORY`, else `$XDG_STATE_HOME/image-inbox`, else `~/.local/state/image-inbox`.
    private static func defaultStateDirectory(_ environment: [String: String]) -> String {
        if let state = environment["STATE_DIRECTORY"]?.split(separator: ":").first { return String(state) }
        if let xdg = environment["XDG_STATE_HOME"], !xdg.isEmpty { return xdg + "/image-inbox" }
        return NSHomeDirectory() + "/.local/state/image-inbox"
    }
}
