package import AsyncHTTPClient
package import Foundation
package import Logging
import ServiceLifecycle
import Synchronization

/// Sees model retirements coming: asks the provider's `/models` at start, after each reload and
/// once a day, and lets ``ModelRetirements`` decide what the models in use call for. It logs
/// `Model retires soon` (once per model per day, from 90 days before), sets the facts the
/// `STATUS=` line and the runner read (``RetiringModels``), the metric
/// `image_inbox_model_shutdown_timestamp_seconds{model}`, and the ledger's record that
/// `image-inbox status` shows.
///
/// The models in use are the configuration's (its `model:`, else the provider's default), the
/// ones the folders' `image-inbox.yaml` files name, and those of the jobs of the last 7 days.
/// Between checks nothing runs: the next one is a deadline (``DeadlineAlarm``), a day later, or
/// an hour after a failed `/models`.
package final class ModelRetirementWatch: Service {
    /// What to ask, and what is configured.
    package struct Configuration: Sendable {
        /// The provider, whose catalogue entries apply.
        package var provider: ProviderKind
        /// Its base URL (`/models` is asked there).
        package var baseURL: String
        /// The API key; nil: `/models` is not asked (a dry run), the catalogue alone speaks.
        package var apiKey: APIKey?
        /// The models the configuration uses.
        package var configuredModels: Set<String>
        /// The models the daemon knows, with their shutdown dates and replacements.
        package var catalogue: ModelCatalogue
        /// How long `/models` may take.
        package var requestTimeout: Duration

        package init(
            provider: ProviderKind,
            baseURL: String,
            apiKey: APIKey?,
            configuredModels: Set<String>,
            catalogue: ModelCatalogue,
            requestTimeout: Duration = .seconds(30)
        ) {
            self.provider = provider
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.configuredModels = configuredModels
            self.catalogue = catalogue
            self.requestTimeout = requestTimeout
        }
    }

    /// How far back the ledger's jobs count as models in use.
    static let recentJobs: TimeInterval = 7 * 86_400

    private let configuration: Mutex<Configuration>
    private let httpClient: HTTPClient
    private let ledger: any JobLedger
    private let facts: RetiringModels
    private let metrics: DaemonMetrics?
    private let folderModels: @Sendable () -> Set<String>
    private let logger: Logger
    private let onCheck: @Sendable () -> Void
    private let now: @Sendable () -> Date
    private let wakes: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    /// - Parameters:
    ///   - facts: Where the latest facts go, for the `STATUS=` line and the runner.
    ///   - metrics: Where the shutdown dates are exported; nil without a metrics endpoint.
    ///   - folderModels: The models the folders' defaults files name.
    ///   - onCheck: Called after each check (the status line may have changed).
    package init(
        configuration: Configuration,
        httpClient: HTTPClient,
        ledger: any JobLedger,
        facts: RetiringModels,
        metrics: DaemonMetrics? = nil,
        folderModels: @escaping @Sendable () -> Set<String> = { [] },
        logger: Logger,
        onCheck: @escaping @Sendable () -> Void = {},
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = Mutex(configuration)
        self.httpClient = httpClient
        self.ledger = ledger
        self.facts = facts
        self.metrics = metrics
        self.folderModels = folderModels
        self.logger = logger
        self.onCheck = onCheck
        self.now = now
        (self.wakes, self.wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Takes a reloaded configuration and checks again with it at once.
    package func reconfigure(_ configuration: Configuration) {
        self.configuration.withLock { $0 = configuration }
        facts.reconfigure(catalogue: configuration.catalogue, provider: configuration.provider)
        wake.yield()
    }

    package func run() async throws {
        let clock = ContinuousClock()
        let alarm = DeadlineAlarm(clock: clock)
        await withDiscardingTaskGroup { group in
            group.addTask { [wake] in await alarm.run { wake.yield() } }
            var retirements = ModelRetirements()
            // What the ledger holds for `status`; unknown at start, so the first check replaces
            // a previous run's record.
            var recorded: String?? = .none
            wake.yield()
            for await _ in wakes.cancelOnGracefulShutdown() {
                let decision = await check(&retirements)
                act(on: decision)
                let record = Self.record(decision.retirements)
                if recorded != .some(record), await publish(record) { recorded = .some(record) }
                onCheck()
                alarm.wake(at: clock.now.advanced(by: decision.nextCheck))
            }
            group.cancelAll()
        }
    }

    /// Gathers the models in use and the shutdown dates, and assesses them.
    private func check(_ retirements: inout ModelRetirements) async -> ModelRetirements.Decision {
        let configuration = self.configuration.withLock { $0 }
        let now = self.now()
        var inUse = configuration.configuredModels.union(folderModels())
        do {
            inUse.formUnion(try await ledger.modelsUsed(since: now.addingTimeInterval(-Self.recentJobs)))
        } catch {
            logger.debug("Can't read the models of recent jobs, will read them at the next check", metadata: ["error": "\(error)"])
        }
        let listing = await Self.listing(configuration, httpClient: httpClient, logger: logger)
        let lookup = ModelRetirements.lookup(in: configuration.catalogue, provider: configuration.provider)
        return retirements.assess(modelsInUse: inUse, listing: listing, catalogue: lookup, now: now)
    }

    /// What `/models` says; an empty list without a key.
    static func listing(_ configuration: Configuration, httpClient: HTTPClient, logger: Logger) async -> ModelRetirements.Listing {
        guard let apiKey = configuration.apiKey else { return .listed([:]) }
        let client = ModelListClient(
            configuration: .init(baseURL: configuration.baseURL, apiKey: apiKey, timeout: configuration.requestTimeout),
            httpClient: httpClient,
            logger: logger
        )
        do {
            return .listed(try await client.shutdownDates())
        } catch let error as ImageInboxError {
            return .failed(error.message)
        } catch {
            return .failed("\(error)")
        }
    }

    private func act(on decision: ModelRetirements.Decision) {
        facts.update(listed: decision.listed, inUse: decision.retirements)
        metrics?.modelShutdowns(Dictionary(decision.retirements.map { ($0.model, $0.shutdown.timeIntervalSince1970) }) { first, _ in first })
        let now = self.now()
        for action in decision.actions {
            switch action {
            case .warn(let retirement):
                let metadata: Logger.Metadata = [
                    "model.id": "\(retirement.model)",
                    "model.shutdown_date": "\(retirement.shutdownDate)",
                    "model.replacement": "\(retirement.replacement ?? "none")",
                    "model.days_left": "\(retirement.daysLeft(at: now))",
                ]
                if retirement.isRetired(at: now) {
                    logger.warning("Model shut down, its jobs fail until they name another", metadata: metadata)
                } else {
                    logger.warning("Model retires soon", metadata: metadata)
                }
            case .reportFailure(let reason, let first):
                logger.log(
                    level: first ? .info : .debug,
                    "Can't list the images API's models, will ask again in an hour; shutdown dates are the catalogue's meanwhile",
                    metadata: ["error": "\(reason)"]
                )
            }
        }
    }

    /// The retirements as the ledger keeps them for `status` (JSON); nil for none.
    private static func record(_ retirements: [ModelRetirement]) -> String? {
        guard !retirements.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(retirements)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Records the retirements in the ledger for `status`; false when the ledger refused.
    private func publish(_ record: String?) async -> Bool {
        do {
            try await ledger.setDaemonState(StatusReport.retiringModelsKey, record, now: now())
            return true
        } catch {
            logger.debug("Can't record the retiring models in the ledger, will try at the next check", metadata: ["error": "\(error)"])
            return false
        }
    }
}
