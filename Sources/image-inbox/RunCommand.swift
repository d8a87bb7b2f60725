import ArgumentParser
import AsyncHTTPClient
import Configuration
import ImageInbox
import Logging
import ServiceLifecycle
import Systemd
import UnixSignals

/// `image-inbox run`: the daemon, in the foreground (systemd runs this).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Watch the inboxes and turn dropped files into images."
    )

    @OptionGroup var shared: SharedOptions

    @Option(name: .customLong("inbox"), help: "An inbox folder (repeat for several).")
    var inboxes: [String] = []

    @Option(name: .long, help: "Requests in flight at once (default 4).")
    var concurrency: Int?

    func run() async throws {
        var extra: [AbsoluteConfigKey: ConfigValue] = [:]
        if !inboxes.isEmpty { extra["inboxes"] = ConfigValue(.stringArray(inboxes), isSecret: false) }
        if let concurrency { extra["concurrency"] = ConfigValue(.int(concurrency), isSecret: false) }
        let settings: DaemonConfiguration
        do {
            settings = try await shared.load(extra: extra, purpose: .daemon)
        } catch let error as ImageInboxError {
            throw CommandError(error)
        }

        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = settings.logLevel
            return handler
        }
        let logger = Logger(label: "image-inbox")
        let notifier = ServiceNotifier()
        let ledger = try Ledger.open(at: settings.ledgerPath)

        let watcher = InboxWatcher(
            configuration: settings.watch,
            clock: ContinuousClock(),
            logger: logger,
            onReady: {
                let count = settings.inboxes.count
                notifier.ready(status: "watching \(count) inbox\(count == 1 ? "" : "es")")
            }
        )
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        let generator: any ImageGenerating =
            settings.dryRun
            ? PlaceholderGenerator()
            : ImagesAPIClient(
                configuration: .init(
                    profile: settings.profile,
                    baseURL: settings.baseURL,
                    apiKey: settings.apiKey!,
                    requestTimeout: settings.requestTimeout,
                    responseFormat: settings.responseFormat
                ),
                httpClient: httpClient,
                logger: logger
            )
        let runner = JobRunner(
            configuration: .init(
                profile: settings.profile,
                defaults: settings.defaults,
                concurrency: settings.concurrency,
                apiKey: settings.apiKey,
                placeholders: settings.dryRun,
                retry: settings.retry,
                pauseProbeInterval: settings.pauseProbeInterval,
                maximumUSDPerDay: settings.maximumUSDPerDay
            ),
            sources: watcher.settledSources,
            generator: generator,
            ledger: ledger,
            logger: logger
        )
        logger.info(
            "image-inbox starting",
            metadata: [
                "provider": "\(settings.provider.rawValue)", "base_url": "\(settings.baseURL)",
                "dry_run": "\(settings.dryRun)", "ledger": "\(settings.ledgerPath)",
            ]
        )
        // Shutdown runs in reverse order: the watcher stops intake first, then the runner drains.
        // Jobs still in flight after the shutdown timeout are cancelled and stay queued.
        var groupConfiguration = ServiceGroupConfiguration(
            services: [.init(service: runner), .init(service: watcher)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = settings.shutdownTimeout
        groupConfiguration.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await withGracefulShutdownHandler {
                try await group.run()
            } onGracefulShutdown: {
                notifier.stopping()
            }
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }
}
