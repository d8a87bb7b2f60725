import Configuration
import Foundation
import ImageInbox
import ImageInboxTestSupport
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@Suite(.serialized, .timeLimit(.minutes(1)))
struct DaemonServicesTests {
    var logger: Logger {
        var logger = Logger(label: "services-test")
        logger.logLevel = .critical
        return logger
    }

    func configuration(inboxes: [String]) throws -> DaemonConfiguration {
        try DaemonConfiguration(
            reader: ConfigReader(provider: InMemoryProvider(values: [
                "inboxes": ConfigValue(.stringArray(inboxes), isSecret: false), "dry_run": ConfigValue(.bool(true), isSecret: false),
            ])),
            credentialsDirectory: nil,
            defaultStateDirectory: "/tmp/unused"
        )
    }

    /// Runs `services` while `body` runs.
    func running(_ services: [any Service], _ body: () async throws -> Void) async throws {
        let group = ServiceGroup(services: services, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func aReloadIsBracketedForSystemdAndAnInvalidOneIsRefused() async throws {
        let (signals, hangup) = AsyncStream.makeStream(of: Void.self)
        let valid = try configuration(inboxes: [FileManager.default.temporaryDirectory.path])
        let loads = Mutex<[Result<DaemonConfiguration, ImageInboxError>]>([
            .success(valid), .failure(ImageInboxError(code: .invalidConfiguration, message: "provider 'x' is not one of aimlapi, openai, compatible.")),
        ])
        let applied = Mutex<Int>(0)
        let notifier = RecordingNotifier()
        let reloader = ConfigurationReloader(
            signals: signals,
            load: { try loads.withLock { $0.removeFirst() }.get() },
            apply: { _ in applied.withLock { $0 += 1 } },
            notifier: notifier,
            logger: logger
        )
        try await running([reloader]) {
            hangup.yield()
            #expect(await eventually { notifier.messages.count == 2 })
            #expect(reloader.lastRefusal == nil)
            hangup.yield()
            #expect(await eventually { notifier.messages.count == 5 })
        }
        #expect(applied.withLock { $0 } == 1, "the refused configuration was not applied")
        #expect(notifier.messages == [
            "RELOADING=1", "READY=1",
            "RELOADING=1", "READY=1", "STATUS=reload refused: provider 'x' is not one of aimlapi, openai, compatible.",
        ])
        #expect(reloader.lastRefusal?.contains("provider 'x'") == true)
    }

    @Test func theWatchdogIsPingedOnlyWhileTheWatcherLoopTurns() async throws {
        let ledger = try SQLiteLedger.inMemory()
        let (sources, _) = AsyncStream.makeStream(of: [SettledSource].self)
        let runner = JobRunner(configuration: .init(profile: .profile(for: .aimlapi)), sources: sources, generator: PlaceholderGenerator(), ledger: ledger, logger: logger)
        let alive = Mutex(true)
        let notifier = RecordingNotifier(watchdogInterval: .milliseconds(400))
        let (changes, _) = AsyncStream.makeStream(of: Void.self)
        let monitor = DaemonMonitor(
            notifier: notifier, runner: runner, ledger: ledger, changes: changes,
            isAlive: { alive.withLock { $0 } }, inboxCount: { 2 }, logger: logger
        )
        var pingsWhileHung = 0
        try await running([monitor]) {
            // Pinged at half the interval while alive (awaited, not timed: a loaded machine is slow).
            #expect(await eventually { notifier.messages.filter { $0 == "WATCHDOG=1" }.count >= 3 })
            alive.withLock { $0 = false }
            let pingsWhileAlive = notifier.messages.filter { $0 == "WATCHDOG=1" }.count
            // Five half-intervals with the loop hung: at most one ping raced the hang.
            try await Task.sleep(for: .milliseconds(1000))
            pingsWhileHung = notifier.messages.filter { $0 == "WATCHDOG=1" }.count - pingsWhileAlive
        }
        #expect(pingsWhileHung <= 1, "at most one ping raced the hang")
        #expect(notifier.messages.first == "STATUS=watching 2 inboxes; 0 queued, 0 running, 0 failed today; $0.00 today")
    }

    @Test func aWatcherDegradationReachesTheStatusLineWhenItIsReported() async throws {
        let ledger = try SQLiteLedger.inMemory()
        let (sources, _) = AsyncStream.makeStream(of: [SettledSource].self)
        let runner = JobRunner(configuration: .init(profile: .profile(for: .aimlapi)), sources: sources, generator: PlaceholderGenerator(), ledger: ledger, logger: logger)
        let notes = Mutex<[String]>([])
        let notifier = RecordingNotifier()
        let (changes, changed) = AsyncStream.makeStream(of: Void.self)
        let monitor = DaemonMonitor(
            notifier: notifier, runner: runner, ledger: ledger, changes: changes,
            isAlive: { true }, inboxCount: { 1 }, notes: { notes.withLock { $0 } }, logger: logger, statusCoalescing: .milliseconds(10)
        )
        try await running([monitor]) {
            #expect(await eventually { notifier.messages.count == 1 })
            notes.withLock { $0 = ["inotify failed, polling 1 inbox instead"] }
            changed.yield()
            #expect(await eventually { notifier.messages.count == 2 })
        }
        #expect(notifier.messages.last == "STATUS=watching 1 inbox; 0 queued, 0 running, 0 failed today; $0.00 today; inotify failed, polling 1 inbox instead")
    }

    @Test func polledMountsArePublishedForStatusAndAPreviousRunsAreCleared() async throws {
        let ledger = try SQLiteLedger.inMemory()
        try await ledger.setDaemonState(StatusReport.polledMountsKey, "[{\"mountPoint\":\"/srv/old\",\"type\":\"nfs\"}]", now: Date())
        let (sources, _) = AsyncStream.makeStream(of: [SettledSource].self)
        let runner = JobRunner(configuration: .init(profile: .profile(for: .aimlapi)), sources: sources, generator: PlaceholderGenerator(), ledger: ledger, logger: logger)
        let mounts = Mutex<[MountTable.Mount]>([])
        let (changes, changed) = AsyncStream.makeStream(of: Void.self)
        let monitor = DaemonMonitor(
            notifier: RecordingNotifier(), runner: runner, ledger: ledger, changes: changes,
            isAlive: { true }, inboxCount: { 1 }, polledMounts: { mounts.withLock { $0 } }, logger: logger, statusCoalescing: .milliseconds(10)
        )
        try await running([monitor]) {
            #expect(await eventually { (try? await ledger.status(now: Date()))?.polledMounts.isEmpty == true }, "the last run's mounts are gone")
            mounts.withLock { $0 = [MountTable.Mount(mountPoint: "/srv/design/agency", type: "nfs4")] }
            changed.yield()
            #expect(await eventually { (try? await ledger.status(now: Date()))?.polledMounts == [MountTable.Mount(mountPoint: "/srv/design/agency", type: "nfs4")] })
        }
        let report = try await ledger.status(now: Date())
        #expect(report.text.contains("/srv/design/agency (nfs4)"), "\(report.text)")
        #expect(report.json.contains("\"mount_point\" : \"\\/srv\\/design\\/agency\"") || report.json.contains("\"mount_point\" : \"/srv/design/agency\""), "\(report.json)")
    }

    @Test func theStatusLineCountsTheQueueFailuresCostAndPause() {
        #expect(
            StatusLine.make(inboxes: 1, queued: 3, running: 2, failedToday: 1, usdToday: 1.844, paused: "The images API refused the API key")
                == "watching 1 inbox; 3 queued, 2 running, 1 failed today; $1.84 today; paused: The images API refused the API key"
        )
    }
}
