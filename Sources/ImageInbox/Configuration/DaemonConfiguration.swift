package import Configuration
import Foundation
import Inotify
package import Logging

/// Everything the daemon and the one-shot commands need, read once from the configuration file,
/// the environment and the command line (in that order of rising precedence) and validated.
package struct DaemonConfiguration: Sendable {
    /// The inbox folders, absolute and without a trailing slash.
    package var inboxes: [String]
    /// The inboxes by name (`NAME=DIR`; a bare folder is named after itself): with a shared
    /// ledger, every host serving an inbox of that name shares its jobs.
    package var sharedInboxes: SharedInboxes
    /// The shared ledger (PostgreSQL); nil: the SQLite ledger in ``stateDirectory``.
    package var ledgerURL: LedgerURL?
    /// How long a host's jobs in a shared ledger stay its own after its last heartbeat.
    package var ledgerLease: Duration
    /// Which images API.
    package var provider: ProviderKind
    /// The models the daemon knows: the shipped catalogue with the file's `models:` applied.
    package var catalogue: ModelCatalogue = .shipped
    /// Its base URL.
    package var baseURL: String
    /// The API key; nil only with ``dryRun``.
    package var apiKey: APIKey?
    /// Jobs in flight at once.
    package var concurrency: Int
    /// Where the ledger lives.
    package var stateDirectory: String
    /// How long one request may take.
    package var requestTimeout: Duration
    /// `b64_json` or `url` where the provider accepts `response_format`.
    package var responseFormat: String
    /// Make offline placeholders instead of calling the API.
    package var dryRun: Bool
    /// How inboxes are watched.
    package var watch: InboxWatcher<ContinuousClock>.Configuration
    /// Parameters for every job (the `model` key and the `defaults:` section).
    package var defaults: ImageParameters
    /// The log level.
    package var logLevel: Logger.Level
    /// When failed requests are tried again.
    package var retry: RetryPolicy
    /// How long a paused queue waits before probing again.
    package var pauseProbeInterval: Duration
    /// The daily spending limit, if any.
    package var maximumUSDPerDay: Double?
    /// Dollars per credit, for costs the provider reports only in credits.
    package var creditUSD: Double?
    /// How long jobs in flight may take to finish once the daemon is asked to stop.
    package var shutdownTimeout: Duration
    /// How long an edit bundle waits for a missing part.
    package var orphanTimeout: Duration
    /// The most entries a batch file (`.prompts`, `.csv`) may hold.
    package var maximumBatchEntries: Int
    /// The most megabytes of finished images kept in the state directory while their inbox is
    /// away; past it, new jobs wait.
    package var heldResultsMaximumMB: Int
    /// The mode and group of results and notes (`output.mode`, `output.group`).
    package var output = OutputOwnership.inherited
    /// The group `output.group` names, as written (for messages).
    package var outputGroupName: String?
    /// Where `GET /metrics` is served (`metrics_address`); nil: no metrics endpoint.
    package var metricsAddress: MetricsAddress?

    /// Where finished images wait while their inbox is away.
    package var heldResults: HeldResults {
        HeldResults(directory: stateDirectory + "/held-results", maximumBytes: Int64(heldResultsMaximumMB) * 1_048_576)
    }

    /// What a command needs from the configuration.
    package enum Purpose: Sendable {
        /// `run`: inboxes and a key (or a dry run).
        case daemon
        /// `generate`: a key (or a dry run), no inboxes.
        case oneShot
        /// `status`: only where the ledger is.
        case inspection
    }

    /// The ledger's path.
    package var ledgerPath: String { stateDirectory + "/ledger.sqlite" }

    /// The ledger as logs name it: the shared one's URL (without its password), or the SQLite file.
    package var ledgerDescription: String { ledgerURL?.description ?? ledgerPath }

    /// An `inboxes:` entry, `NAME=DIR` or a bare folder (named after itself), made absolute
    /// and without a trailing slash.
    static func namedInbox(_ entry: String) -> (name: String, path: String) {
        var (name, path): (String?, String) = (nil, entry)
        if let equals = entry.firstIndex(of: "="), !entry[..<equals].contains("/"), !entry[..<equals].isEmpty {
            (name, path) = (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
        }
        var absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        if absolute.count > 1 && absolute.hasSuffix("/") { absolute.removeLast() }
        return (name ?? (absolute == "/" ? "root" : String(absolute.split(separator: "/").last ?? "inbox")), absolute)
    }

    /// Reads and validates the configuration.
    ///
    /// - Parameters:
    ///   - reader: File, environment (`IMAGE_INBOX_*`) and flag values.
    ///   - credentialsDirectory: systemd's `$CREDENTIALS_DIRECTORY`, where `api-key` and
    ///     `ledger-password` may be.
    ///   - defaultStateDirectory: Where the ledger goes when `state_dir` is not set.
    ///   - purpose: What must be present: inboxes and a key for the daemon, less for other commands.
    /// - Throws: ``ImageInboxError`` `invalidConfiguration` saying which setting is wrong and how to fix it.
    package init(
        reader: ConfigReader,
        credentialsDirectory: String?,
        defaultStateDirectory: String,
        purpose: Purpose = .daemon
    ) throws(ImageInboxError) {
        func invalid(_ message: String) -> ImageInboxError {
            ImageInboxError(code: .invalidConfiguration, message: message)
        }
        // The reader treats a value of the wrong type as absent; a typo must not silently become
        // the default (a budget of "5 dollars" would be no budget at all).
        func number(_ key: String) throws(ImageInboxError) -> Double? {
            if let value = reader.double(forKey: ConfigKey(key)) { return value }
            if let text = reader.string(forKey: ConfigKey(key)) { throw invalid("\(key) '\(text)' is not a number.") }
            return nil
        }
        func wholeNumber(_ key: String) throws(ImageInboxError) -> Int? {
            if let value = reader.int(forKey: ConfigKey(key)) { return value }
            if let text = reader.string(forKey: ConfigKey(key)) { throw invalid("\(key) '\(text)' is not a whole number.") }
            return nil
        }
        func flag(_ key: String) throws(ImageInboxError) -> Bool? {
            if let value = reader.bool(forKey: ConfigKey(key)) { return value }
            if let text = reader.string(forKey: ConfigKey(key)) { throw invalid("\(key) '\(text)' is not true or false.") }
            return nil
        }
        let providerName = reader.string(forKey: "provider", default: ProviderKind.aimlapi.rawValue)
        guard let provider = ProviderKind(rawValue: providerName.lowercased()) else {
            throw invalid("provider '\(providerName)' is not one of aimlapi, openai, compatible.")
        }
        self.provider = provider
        if let models = reader.string(forKey: "models"), !models.isEmpty {
            catalogue = ModelCatalogue.shipped.applying(try ModelOverride.list(yaml: models, origin: "the configuration's models:"))
        }
        var profile = ProviderProfile.profile(for: provider)
        profile.catalogue = catalogue
        guard let baseURL = reader.string(forKey: "base_url") ?? profile.defaultBaseURL else {
            throw invalid("The compatible provider needs base_url (for example http://127.0.0.1:8080/v1).")
        }
        guard let url = URL(string: baseURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw invalid("base_url '\(baseURL)' is not an http(s) URL.")
        }
        self.baseURL = baseURL

        let named = reader.stringArray(forKey: "inboxes", default: []).map(Self.namedInbox)
        inboxes = named.map(\.path)
        var names: [String: String] = [:]
        for inbox in named {
            guard inbox.name.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }), !inbox.name.isEmpty else {
                throw invalid("The inbox name '\(inbox.name)' (of \(inbox.path)) may hold only letters, digits, '.', '_' and '-'; name it with NAME=DIR.")
            }
            if let other = names.updateValue(inbox.path, forKey: inbox.name), other != inbox.path {
                throw invalid("The inboxes \(other) and \(inbox.path) are both named '\(inbox.name)'; give one another name with NAME=DIR (e.g. --inbox design=\(inbox.path)).")
            }
        }
        sharedInboxes = SharedInboxes(named.map { ($0.name, $0.path) })
        if purpose == .daemon && inboxes.isEmpty {
            throw invalid("No inbox folder is configured. Pass --inbox DIR or list them under 'inboxes:' in the configuration file.")
        }
        for inbox in inboxes where purpose == .daemon {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: inbox, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw invalid("The inbox '\(inbox)' is not a folder. Create it or fix the path.")
            }
        }

        dryRun = try flag("dry_run") ?? false
        if let file = reader.string(forKey: "api_key_file") {
            apiKey = try Self.readKey(file, invalid)
        } else if let key = reader.string(forKey: "api_key", isSecret: true) {
            apiKey = APIKey(key)
        } else if let directory = credentialsDirectory, FileManager.default.fileExists(atPath: directory + "/api-key") {
            apiKey = try Self.readKey(directory + "/api-key", invalid)
        }
        if apiKey?.value.isEmpty == true { apiKey = nil }
        if apiKey == nil && !dryRun && purpose != .inspection {
            throw invalid(
                "No API key. Put it in a file and pass --api-key-file FILE (or api_key_file in the configuration), "
                    + "set IMAGE_INBOX_API_KEY, or use --dry-run to make offline placeholders."
            )
        }

        concurrency = try wholeNumber("concurrency") ?? 4
        guard (1...64).contains(concurrency) else { throw invalid("concurrency \(concurrency) is not between 1 and 64.") }
        stateDirectory = reader.string(forKey: "state_dir", default: defaultStateDirectory)
        if let text = reader.string(forKey: "ledger_url", isSecret: true) {
            var url = try LedgerURL(text)
            try url.readPassword(file: reader.string(forKey: "ledger_password_file"), credentialsDirectory: credentialsDirectory)
            // Read now so that a missing sslrootcert stops the start (and shows in check) by name,
            // instead of every connection failing later.
            _ = try url.tls.settings()
            ledgerURL = url
        } else {
            ledgerURL = nil
        }
        let timeout = try number("request_timeout") ?? 300
        guard timeout > 0 else { throw invalid("request_timeout must be a positive number of seconds.") }
        requestTimeout = .milliseconds(Int64(timeout * 1000))
        responseFormat = reader.string(forKey: "response_format", default: "b64_json")
        guard ["b64_json", "url"].contains(responseFormat) else { throw invalid("response_format must be b64_json or url.") }

        let modeName = reader.string(forKey: "watch.mode", default: WatchMode.auto.rawValue)
        guard let mode = WatchMode(rawValue: modeName) else { throw invalid("watch.mode '\(modeName)' is not one of auto, inotify, poll.") }
        func seconds(_ key: String, _ fallback: Double) throws(ImageInboxError) -> Duration {
            let value = try number(key) ?? fallback
            guard value > 0 else { throw invalid("\(key) must be a positive number of seconds.") }
            return .milliseconds(Int64(value * 1000))
        }
        ledgerLease = try seconds("ledger_lease_seconds", 30)
        guard ledgerLease >= .seconds(3) else { throw invalid("ledger_lease_seconds must be at least 3: a host heartbeats three times in its lease.") }
        watch = InboxWatcher<ContinuousClock>.Configuration(
            inboxes: inboxes,
            mode: mode,
            settle: .init(settleWindow: try seconds("watch.settle_seconds", 0.5), quietWindow: try seconds("watch.quiet_seconds", 5)),
            pollInterval: try seconds("watch.poll_interval_seconds", 5),
            rescanInterval: try seconds("watch.rescan_interval_seconds", 300),
            ignoreRules: IgnoreRules(extraPatterns: reader.stringArray(forKey: "ignore", default: []))
        )

        var defaults = ImageParameters(
            model: reader.string(forKey: "defaults.model"),
            size: reader.string(forKey: "defaults.size"),
            quality: reader.string(forKey: "defaults.quality"),
            background: reader.string(forKey: "defaults.background"),
            moderation: reader.string(forKey: "defaults.moderation"),
            compression: try wholeNumber("defaults.compression"),
            count: try wholeNumber("defaults.count"),
            outputName: reader.string(forKey: "defaults.output_name"),
            preview: try flag("defaults.preview"),
            previewImages: try wholeNumber("defaults.preview_images"),
            complexity: reader.string(forKey: "defaults.complexity"),
            inputFidelity: reader.string(forKey: "defaults.input_fidelity"),
            frames: try wholeNumber("defaults.frames"),
            frameDurationMilliseconds: try wholeNumber("defaults.frame_duration_ms")
        )
        if let model = reader.string(forKey: "model") { defaults.model = model }
        if let name = reader.string(forKey: "defaults.format") {
            guard let format = ImageFormat(name: name) else { throw invalid("defaults.format '\(name)' is not one of png, jpeg, webp, gif, svg.") }
            defaults.format = format
        }
        do {
            _ = try profile.resolve(defaults)
        } catch {
            throw invalid("The configured defaults are not valid for \(provider.rawValue): \(error.message)")
        }
        self.defaults = defaults

        // A cap on attempts is optional: transient failures are tried for a time, not a count.
        let attempts = try wholeNumber("retry.max_attempts")
        if let attempts, !(1...10_000).contains(attempts) { throw invalid("retry.max_attempts must be between 1 and 10000.") }
        retry = RetryPolicy(
            maximumAttempts: attempts,
            giveUpAfter: try seconds("retry.give_up_after_seconds", 86_400),
            noticeAfter: try seconds("retry.notice_after_seconds", 300),
            baseDelay: try seconds("retry.base_delay_seconds", 2),
            maximumDelay: try seconds("retry.max_delay_seconds", 300)
        )
        pauseProbeInterval = try seconds("pause_probe_seconds", 300)
        shutdownTimeout = try seconds("shutdown_timeout_seconds", 60)
        orphanTimeout = try seconds("orphan_timeout_seconds", 600)
        maximumBatchEntries = try wholeNumber("max_batch_entries") ?? 500
        guard (1...100_000).contains(maximumBatchEntries) else { throw invalid("max_batch_entries must be between 1 and 100000.") }
        heldResultsMaximumMB = try wholeNumber("held_results_max_mb") ?? 1024
        guard heldResultsMaximumMB > 0 else { throw invalid("held_results_max_mb must be a positive number of megabytes.") }
        maximumUSDPerDay = try number("max_usd_per_day")
        creditUSD = try number("credit_usd") ?? profile.defaultCreditUSD
        if let rate = creditUSD, rate <= 0 { throw invalid("credit_usd must be a positive number of dollars per credit.") }
        if let limit = maximumUSDPerDay, limit <= 0 { throw invalid("max_usd_per_day must be a positive number of dollars.") }

        // YAML reads an unquoted 0664 as the number 664: its digits are the mode all the same.
        if let text = reader.string(forKey: "output.mode") ?? reader.int(forKey: "output.mode").map(String.init) {
            guard let mode = OutputOwnership.mode(from: text) else {
                throw invalid("output.mode '\(text)' is not a file mode such as \"0664\" (octal, at most 0777).")
            }
            output.mode = mode
        }
        if let name = reader.string(forKey: "output.group") ?? reader.int(forKey: "output.group").map(String.init) {
            guard let group = OutputOwnership.group(named: name) else {
                throw invalid("output.group '\(name)' is not a group on this system. Create it or name another (getent group lists them).")
            }
            output.group = group
            outputGroupName = name
        }
        if let address = reader.string(forKey: "metrics_address"), !address.isEmpty {
            guard let parsed = MetricsAddress(address) else {
                throw invalid("metrics_address '\(address)' is not HOST:PORT with an IP address (for example 127.0.0.1:9464 or [::1]:9464).")
            }
            metricsAddress = parsed
        }

        let levelName = reader.string(forKey: "log_level", default: "info")
        guard let level = Logger.Level(rawValue: levelName) else {
            throw invalid("log_level '\(levelName)' is not one of trace, debug, info, notice, warning, error, critical.")
        }
        logLevel = level
    }

    /// The provider's profile.
    package var profile: ProviderProfile {
        var profile = ProviderProfile.profile(for: provider)
        profile.catalogue = catalogue
        return profile
    }

    private static func readKey(_ path: String, _ invalid: (String) -> ImageInboxError) throws(ImageInboxError) -> APIKey {
        switch FileSystem.readRegularFile(path, limit: 64 * 1024) {
        case .success(let bytes): return APIKey(String(decoding: bytes, as: UTF8.self))
        case .failure(let error):
            throw invalid("Can't read the API key file '\(path)': \(FileSystem.describe(error.code)).")
        }
    }
}
