import Foundation
import ImageInbox
import ImageInboxTestSupport
import Logging
import ServiceLifecycle
import Testing

/// The retirement watch against the loopback stub's `GET /v1/models`, with the monitor that
/// turns its facts into the `STATUS=` line.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ModelRetirementTests {
    static let quiet = Logger(label: "image-inbox-test") { _ in SwiftLogNoOpLogHandler() }
    static let catalogue = ModelCatalogue(models: [CatalogueModel(provider: .openai, id: "gpt-image-2", replacement: "gpt-image-2.6-flare")])

    /// The UTC date `days` after `now`, `YYYY-MM-DD`.
    func date(_ days: Int, after now: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        let day = (now.timeIntervalSince1970 / 86_400).rounded(.down) + Double(days)
        return formatter.string(from: Date(timeIntervalSince1970: day * 86_400))
    }

    /// Runs a retirement watch for `gpt-image-2` against `stub` (and a monitor beside it) while
    /// `body` runs; `body` is handed the checks as they finish.
    func watching(
        _ stub: ImagesAPIStub,
        logger: Logger,
        ledger: SQLiteLedger,
        metrics: DaemonMetrics,
        notifier: RecordingNotifier,
        _ body: (ModelRetirementWatch, RetiringModels, inout AsyncStream<Void>.Iterator) async throws -> Void
    ) async throws {
        let facts = RetiringModels(catalogue: Self.catalogue, provider: .openai)
        let clients = HTTPClients()
        let (checks, checked) = AsyncStream.makeStream(of: Void.self)
        let (changes, changed) = AsyncStream.makeStream(of: Void.self)
        let watch = ModelRetirementWatch(
            configuration: .init(provider: .openai, baseURL: stub.baseURL, apiKey: APIKey(stub.apiKey), configuredModels: ["gpt-image-2"], catalogue: Self.catalogue),
            httpClient: clients.client(concurrency: 1),
            ledger: ledger,
            facts: facts,
            metrics: metrics,
            logger: logger,
            onCheck: {
                changed.yield()
                checked.yield()
            }
        )
        let (sources, _) = AsyncStream.makeStream(of: [SettledSource].self)
        let runner = JobRunner(configuration: .init(profile: .profile(for: .openai)), sources: sources, generator: PlaceholderGenerator(), ledger: ledger, logger: Self.quiet)
        let monitor = DaemonMonitor(
            notifier: notifier, runner: runner, ledger: ledger, changes: changes,
            isAlive: { true }, inboxCount: { 1 }, notes: { facts.statusNotes(now: Date()) }, logger: Self.quiet, statusCoalescing: .milliseconds(10)
        )
        let group = ServiceGroup(services: [monitor, watch], logger: Self.quiet)
        var iterator = checks.makeAsyncIterator()
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body(watch, facts, &iterator)
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                try? await clients.shutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        try await clients.shutdown()
    }

    @Test func aShutdownTwentyDaysOutIsLoggedShownOnTheStatusLineAndExported() async throws {
        let stub = try await ImagesAPIStub.start(profile: .openai)
        let now = Date()
        let shutdown = date(20, after: now)
        stub.setShutdownDate("gpt-image-2", shutdown)
        let entries = RecordingLogHandler.Entries()
        let ledger = try SQLiteLedger.inMemory()
        let metrics = DaemonMetrics()
        let notifier = RecordingNotifier()
        try await watching(stub, logger: RecordingLogHandler.logger(entries, level: .info), ledger: ledger, metrics: metrics, notifier: notifier) { _, facts, checks in
            _ = await checks.next()
            let warning = try #require(entries.with(message: "Model retires soon").first, "\(entries.all)")
            #expect(warning.level == .warning)
            #expect(warning.metadata == ["model.id": "gpt-image-2", "model.shutdown_date": shutdown, "model.replacement": "gpt-image-2.6-flare", "model.days_left": "20"])
            #expect(facts.retirements.map(\.model) == ["gpt-image-2"])
            let mention = "model gpt-image-2 retires \(shutdown) (20 days)"
            #expect(await eventually { notifier.messages.contains { $0.hasPrefix("STATUS=") && $0.hasSuffix("; " + mention) } }, "\(notifier.messages)")
            let page = String(decoding: metrics.render(), as: UTF8.self)
            let seconds = (now.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400 + 20 * 86_400
            #expect(page.contains("image_inbox_model_shutdown_timestamp_seconds{model=\"gpt-image-2\"} \(seconds)"), "\(page)")
            let report = try await ledger.status(now: Date())
            #expect(report.retiringModels.map(\.daysLeft) == [20])
            #expect(report.text.contains("warning: model gpt-image-2 shuts down on \(shutdown) (20 days); its replacement: gpt-image-2.6-flare"))
        }
        #expect(stub.modelListRequests == 1)
        #expect(stub.requests.isEmpty, "asking for the models is not an images request")
        await stub.stop()
    }

    @Test func aProviderWithoutModelsIsSilentAndAReloadAsksAgain() async throws {
        let stub = try await ImagesAPIStub.start(profile: .openai)
        stub.setModelListAvailable(false)
        let entries = RecordingLogHandler.Entries()
        let ledger = try SQLiteLedger.inMemory()
        let metrics = DaemonMetrics()
        try await watching(stub, logger: RecordingLogHandler.logger(entries, level: .info), ledger: ledger, metrics: metrics, notifier: RecordingNotifier()) {
            watch, facts, checks in
            _ = await checks.next()
            #expect(entries.all.isEmpty, "a 404 means nothing is known: \(entries.all)")
            #expect(facts.retirements.isEmpty)
            #expect(!String(decoding: metrics.render(), as: UTF8.self).contains("image_inbox_model_shutdown_timestamp_seconds{"))
            // A reload checks again at once, with the new configuration.
            stub.setModelListAvailable(true)
            stub.setShutdownDate("gpt-image-2", date(40, after: Date()))
            watch.reconfigure(.init(provider: .openai, baseURL: stub.baseURL, apiKey: APIKey(stub.apiKey), configuredModels: ["gpt-image-2"], catalogue: Self.catalogue))
            _ = await checks.next()
            #expect(entries.with(message: "Model retires soon").map { $0.metadata["model.days_left"] } == ["40"])
            #expect(facts.statusNotes(now: Date()).isEmpty, "40 days out: the journal is told, the status line is not")
        }
        #expect(stub.modelListRequests == 2)
        await stub.stop()
    }
}
