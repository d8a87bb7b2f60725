import ArgumentParser
import Configuration
import Foundation
import CMalloc
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

    @OptionGroup var daemon: InboxOptions

    @Option(name: .customLong("log-target"), help: "auto (the journal when systemd connected stderr to it), journal, or stderr.")
    var logTarget: LogTarget = .auto

    func run() async throws {
        // glibc gives threads that contend for malloc arenas of their own, up to eight per core.
        // The daemon's threads (Swift's pool, NIO's loops, the ledger's queues) mostly wait: two
        // arenas serve them with 4 to 5 MB less resident under load, at the same CPU. An
        // administrator's MALLOC_ARENA_MAX still decides.
        if getenv("MALLOC_ARENA_MAX") == nil { _ = mallopt(M_ARENA_MAX, 2) }
        let settings = try await load()
        LogTarget.bootstrap(logTarget, level: settings.logLevel)
        let logger = Logger(label: "image-inbox")
        for variable in ConfigurationSchema.unknownEnvironmentVariables(in: ProcessInfo.processInfo.environment) {
            logger.warning(
                "An IMAGE_INBOX_ environment variable sets nothing, it is ignored",
                metadata: ["variable": "\(variable.name)", "variable.meant": "\(variable.meant ?? "none")"]
            )
        }
        let (statusChanges, statusChanged) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let notifier = ServiceNotifier()
        // Held until the process ends: a second daemon on this state directory or these inboxes refuses to start.
        let instanceLock: InstanceLock
        do {
            instanceLock = try InstanceLock.acquire(
                stateDirectory: settings.stateDirectory,
                ledgerPath: settings.ledgerDescription,
                // Hosts sharing a ledger share inboxes: the ledger's claims keep them apart.
                inboxes: settings.ledgerURL == nil ? settings.inboxes : [],
                inboxesThatCannotBeMarked: { inbox, reason in
                    logger.warning("Can't write the inbox's lock file, another daemon could watch it too", metadata: ["inbox": "\(inbox)", "error": "\(reason)"])
                }
            )
        } catch {
            throw CommandError(error)
        }
        // Counted only when they are served: without metrics_address nothing counts.
        let metrics = settings.metricsAddress.map { _ in DaemonMetrics() }
        let ledger: any JobLedger
        var ledgerServices: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let url = settings.ledgerURL {
            do {
                let shared = try await PostgresLedger.open(
                    url, inboxes: settings.sharedInboxes, lease: settings.ledgerLease, concurrency: settings.concurrency,
                    access: .daemon, metrics: metrics, logger: logger
                )
                ledger = shared
                // First in the group, so it stops last: the runner records its last jobs through it.
                ledgerServices = [.init(service: shared)]
                logger.info("Sharing the job ledger with the other hosts", metadata: ["ledger": "\(url)", "ledger.host": "\(shared.hostID)"])
            } catch {
                throw CommandError(error)
            }
        } else {
            ledger = try SQLiteLedger.open(at: settings.ledgerPath, metrics: metrics)
        }
        let httpClients = HTTPClients()
        let availability = InboxAvailability()

        // READY=1 once the ledger is open and every inbox is watched; the startup scan follows.
        let watcher = InboxWatcher(
            configuration: settings.watch,
            clock: ContinuousClock(),
            logger: logger,
            availability: availability,
            metrics: metrics,
            onReady: { notifier.ready(status: "watching \(settings.inboxes.count) inbox\(settings.inboxes.count == 1 ? "" : "es")") },
            onChange: { statusChanged.yield() }
        )
        // The facts about retiring models: the STATUS= line reads them, and the runner refuses
        // jobs for a model already shut down.
        let retiringModels = RetiringModels(catalogue: settings.catalogue, provider: settings.provider)
        var runnerConfiguration = settings.runner
        runnerConfiguration.retiringModels = retiringModels
        let runner = JobRunner(
            configuration: runnerConfiguration,
            sources: watcher.settledSources,
            generator: settings.makeGenerator(httpClient: httpClients.client(concurrency: settings.concurrency), logger: logger, metrics: metrics),
            ledger: ledger,
            logger: logger,
            availability: availability,
            heldResults: settings.heldResults,
            onChange: { statusChanged.yield() }
        )
        let retirementWatch = ModelRetirementWatch(
            configuration: settings.retirementWatch,
            httpClient: httpClients.client(concurrency: settings.concurrency),
            ledger: ledger,
            facts: retiringModels,
            metrics: metrics,
            folderModels: { runner.folderModels },
            logger: logger,
            onCheck: { statusChanged.yield() }
        )
        let current = CurrentConfiguration(settings)
        // Trapped before READY=1, so that an early `systemctl reload` cannot kill the daemon.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let reloader = ConfigurationReloader(
            signals: hangups,
            load: {
                let new = try await load()
                // A reload that adds an inbox another daemon watches is refused, as a start would be.
                try instanceLock.watch(settings.ledgerURL == nil ? new.inboxes : []) { inbox, reason in
                    logger.warning("Can't write the inbox's lock file, another daemon could watch it too", metadata: ["inbox": "\(inbox)", "error": "\(reason)"])
                }
                return new
            },
            apply: { new in
                if new.ledgerDescription != current.value.ledgerDescription || new.sharedInboxes != current.value.sharedInboxes {
                    logger.warning("A new state_dir, ledger_url or inbox name takes effect at the next start", metadata: ["ledger": "\(new.ledgerDescription)"])
                }
                if new.metricsAddress != current.value.metricsAddress {
                    logger.warning("A new metrics_address takes effect at the next start", metadata: ["metrics.address": "\(new.metricsAddress.map(String.init(describing:)) ?? "none")"])
                }
                current.value = new
                watcher.reconfigure(new.watch)
                var runnerConfiguration = new.runner
                runnerConfiguration.retiringModels = retiringModels
                await runner.reconfigure(
                    runnerConfiguration,
                    generator: new.makeGenerator(httpClient: httpClients.client(concurrency: new.concurrency), logger: logger, metrics: metrics)
                )
                retirementWatch.reconfigure(new.retirementWatch)
            },
            notifier: notifier,
            logger: logger,
            onAttempt: { statusChanged.yield() }
        )
        let notice = ShutdownNotice(notifier: notifier) {
            logger.notice(
                "Stopping: no new jobs, waiting for those in flight",
                metadata: ["shutdown.timeout_s": "\(settings.shutdownTimeout.components.seconds)"]
            )
        }
        let monitor = DaemonMonitor(
            notifier: notifier,
            runner: runner,
            ledger: ledger,
            changes: statusChanges,
            // While draining, the watcher is gone and the queue closed: TimeoutStopSec bounds that.
            isAlive: {
                if notice.hasBegun { return true }
                return await runner.isResponsive() && watcher.answeredLastPing()
            },
            inboxCount: { current.value.inboxes.count },
            polledMounts: { watcher.polledMounts },
            notes: {
                let mounts = watcher.polledMounts
                let polling = mounts.isEmpty ? nil : "polling \(mounts.count) mount\(mounts.count == 1 ? "" : "s") inside inboxes: \(mounts.map(\.summary).joined(separator: ", "))"
                return [reloader.lastRefusal.map { "reload refused: \($0)" }, watcher.degradation, polling].compactMap { $0 }
                    + retiringModels.statusNotes(now: Date())
            },
            logger: logger
        )
        logger.info(
            "image-inbox starting",
            metadata: [
                "provider": "\(settings.provider.rawValue)", "base_url": "\(settings.baseURL)",
                "dry_run": "\(settings.dryRun)", "ledger": "\(settings.ledgerDescription)",
            ]
        )
        // Shutdown runs in reverse order: systemd hears STOPPING=1, the reloader and the watcher
        // stop, then the runner drains; jobs still in flight after the shutdown timeout are
        // cancelled and stay queued. The monitor goes last, so STATUS= and the watchdog go on.
        // Served until the runner has drained, so the last scrapes see the jobs finish.
        var metricsServices: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let address = settings.metricsAddress, let metrics {
            let page = MetricsPage(
                metrics: metrics,
                ledger: ledger,
                runner: runner,
                inboxes: { current.value.inboxes },
                budget: { current.value.maximumUSDPerDay },
                watchModes: { watcher.watchModes },
                inotifyWatchCount: { watcher.inotifyWatchCount }
            )
            metricsServices.append(.init(service: MetricsServer(address: address, logger: logger, render: { await page.render() })))
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: ledgerServices + [.init(service: monitor)] + metricsServices + [
                .init(service: runner),
                .init(service: retirementWatch),
                .init(service: watcher),
                .init(service: reloader),
                .init(service: notice),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = settings.shutdownTimeout
        groupConfiguration.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await group.run()
        } catch {
            try? await httpClients.shutdown()
            throw error
        }
        try await httpClients.shutdown()
        withExtendedLifetime(instanceLock) {}
    }

    private func load() async throws -> DaemonConfiguration {
        do {
            return try await shared.load(extra: daemon.values, purpose: .daemon)
        } catch let error as ImageInboxError {
            throw CommandError(error)
        }
    }
}

extension ServiceNotifier: ServiceManagerNotifier {}
