import AsyncHTTPClient
import Foundation
import ImageInbox
import ImageInboxTestSupport
import Logging
import ServiceLifecycle

/// A real daemon for a test: real inotify on a fresh temp inbox, an on-disk ledger, and the
/// images API stub over loopback.
struct DaemonHarness {
    let inbox: String
    let stateDirectory: String
    let stub: ImagesAPIStub

    /// Where the daemon keeps finished images while the inbox is away.
    var heldResults: HeldResults { HeldResults(directory: stateDirectory + "/held-results") }

    /// Runs `body` with a fresh inbox, state folder and stub, and stops the stub afterwards.
    static func run(profile: StubProfile = .aimlapi, _ body: (DaemonHarness) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("image-inbox-it-\(UUID().uuidString)").path
        let inbox = root + "/inbox"
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        let harness = DaemonHarness(inbox: inbox, stateDirectory: root + "/state", stub: try await ImagesAPIStub.start(profile: profile))
        do {
            try await body(harness)
        } catch {
            await harness.stub.stop()
            throw error
        }
        await harness.stub.stop()
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Runs the daemon while `body` runs, then shuts it down gracefully.
    func withDaemon(
        provider: ProviderKind = .aimlapi,
        mode: WatchMode = .inotify,
        responseFormat: String = "b64_json",
        settle: SettleStateMachine<ContinuousClock.Instant>.Configuration = .init(settleWindow: .milliseconds(200), quietWindow: .seconds(1)),
        concurrency: Int = 4,
        requestTimeout: Duration = .seconds(30),
        retry: RetryPolicy = RetryPolicy(baseDelay: .milliseconds(100), maximumDelay: .seconds(2)),
        pauseProbeInterval: Duration = .seconds(1),
        maximumUSDPerDay: Double? = nil,
        orphanTimeout: Duration = .seconds(600),
        output: OutputOwnership = .inherited,
        sharedLedger: PostgresLedger? = nil,
        _ body: () async throws -> Void
    ) async throws {
        try await withRunner(
            provider: provider, mode: mode, responseFormat: responseFormat, settle: settle, concurrency: concurrency, requestTimeout: requestTimeout,
            retry: retry, pauseProbeInterval: pauseProbeInterval, maximumUSDPerDay: maximumUSDPerDay, orphanTimeout: orphanTimeout, output: output,
            sharedLedger: sharedLedger
        ) { _ in try await body() }
    }

    /// Runs the daemon while `body` runs with its job runner, then shuts it down gracefully;
    /// with `sharedLedger`, its jobs are in that ledger (run as a service of the daemon's group).
    func withRunner(
        provider: ProviderKind = .aimlapi,
        mode: WatchMode = .inotify,
        responseFormat: String = "b64_json",
        settle: SettleStateMachine<ContinuousClock.Instant>.Configuration = .init(settleWindow: .milliseconds(200), quietWindow: .seconds(1)),
        concurrency: Int = 4,
        requestTimeout: Duration = .seconds(30),
        retry: RetryPolicy = RetryPolicy(baseDelay: .milliseconds(100), maximumDelay: .seconds(2)),
        pauseProbeInterval: Duration = .seconds(1),
        maximumUSDPerDay: Double? = nil,
        orphanTimeout: Duration = .seconds(600),
        output: OutputOwnership = .inherited,
        sharedLedger: PostgresLedger? = nil,
        pollInterval: Duration = .seconds(1),
        _ body: (JobRunner) async throws -> Void
    ) async throws {
        var logger = Logger(label: "image-inbox-test")
        logger.logLevel = .warning
        let ledger: any JobLedger = try sharedLedger ?? SQLiteLedger.open(at: stateDirectory + "/ledger.sqlite")
        // As the daemon does: the watcher tells the runner which inboxes are away.
        let availability = InboxAvailability()
        let watcher = InboxWatcher(
            configuration: .init(inboxes: [inbox], mode: mode, settle: settle, pollInterval: pollInterval, rescanInterval: .seconds(300)),
            clock: ContinuousClock(),
            logger: logger,
            availability: availability
        )
        // As the daemon does: a pool as large as the concurrency.
        let clients = HTTPClients()
        let client = clients.client(concurrency: concurrency)
        let key = APIKey(stub.apiKey)
        let profile = ProviderProfile.profile(for: provider)
        let runner = JobRunner(
            configuration: .init(
                profile: profile,
                concurrency: concurrency,
                apiKey: key,
                retry: retry,
                pauseProbeInterval: pauseProbeInterval,
                maximumUSDPerDay: maximumUSDPerDay,
                orphanTimeout: orphanTimeout,
                output: output,
                partsQuietWindow: settle.quietWindow
            ),
            sources: watcher.settledSources,
            generator: ImagesAPIClient(
                configuration: .init(profile: profile, baseURL: stub.baseURL, apiKey: key, requestTimeout: requestTimeout, responseFormat: responseFormat),
                httpClient: client,
                logger: logger
            ),
            ledger: ledger,
            logger: logger,
            availability: availability,
            heldResults: heldResults
        )
        let group = ServiceGroup(services: (sharedLedger.map { [$0] } ?? []) + [runner, watcher] as [any Service], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body(runner)
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                try? await clients.shutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            do {
                try await tasks.waitForAll()
            } catch {
                // The client must be shut down whatever ended the services.
                try? await clients.shutdown()
                throw error
            }
        }
        try await clients.shutdown()
    }

    /// Writes a file into the inbox (as one write and close).
    func drop(_ name: String, _ text: String) throws {
        let url = URL(fileURLWithPath: inbox + "/" + name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// The names in the inbox folder (or a folder below it).
    func names(in folder: String = "") -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: inbox + (folder.isEmpty ? "" : "/" + folder)).sorted()) ?? []
    }

    /// Writes bytes into the inbox.
    func drop(_ name: String, bytes: [UInt8]) throws {
        let url = URL(fileURLWithPath: inbox + "/" + name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    /// The bytes of a file in the inbox.
    func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: inbox + "/" + name)))
    }
}

/// Waits until `condition` holds, checking every 50 ms, for at most `timeout`.
///
/// - Returns: Whether it held in time.
@discardableResult
func eventually(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}
