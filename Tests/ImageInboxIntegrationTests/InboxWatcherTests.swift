import Foundation
import ImageInbox
import ImageInboxTestSupport
import Inotify
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@Suite(.serialized, .timeLimit(.minutes(1)))
struct InboxWatcherTests {
    let inbox: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("watcher-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// Runs a watcher while `body` runs and returns the paths it handed on.
    func watch(
        mode: WatchMode = .inotify,
        source: ScriptedEventSource? = nil,
        _ body: () async throws -> Void
    ) async throws -> [String] {
        try await watch(mode: mode, source: source) { _ in try await body() }
    }

    /// Runs a watcher while `body` runs (with the watcher at hand) and returns the paths it handed on.
    func watch(
        mode: WatchMode = .inotify,
        source: ScriptedEventSource? = nil,
        _ body: (InboxWatcher<ContinuousClock>) async throws -> Void
    ) async throws -> [String] {
        try await watch(mode: mode, source: source, settle: .init(settleWindow: .milliseconds(200), quietWindow: .milliseconds(800))) { watcher, _ in
            try await body(watcher)
        }
    }

    /// Runs a watcher with these windows while `body` runs (given the watcher and what it has
    /// handed on so far) and returns the paths it handed on.
    func watch(
        mode: WatchMode = .inotify,
        source: ScriptedEventSource? = nil,
        settle: SettleStateMachine<ContinuousClock.Instant>.Configuration,
        _ body: (InboxWatcher<ContinuousClock>, _ handedSoFar: @escaping () -> [String]) async throws -> Void
    ) async throws -> [String] {
        var logger = Logger(label: "watcher-test")
        logger.logLevel = .critical
        let ready = Mutex(false)
        let watcher = InboxWatcher(
            configuration: .init(inboxes: [inbox], mode: mode, settle: settle, pollInterval: .milliseconds(300), rescanInterval: .seconds(600)),
            clock: ContinuousClock(),
            logger: logger,
            eventSource: { rules in
                if let source { return source }
                return try InotifyWatcher(shouldDescend: { !rules.ignores(name: $0) })
            },
            onReady: { ready.withLock { $0 = true } }
        )
        let handed = Collected()
        let group = ServiceGroup(services: [watcher], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                for await batch in watcher.settledSources { handed.paths.withLock { $0 += batch.map(\.path) } }
            }
            #expect(await eventually { ready.withLock { $0 } })
            // The startup scan of the (empty) inbox runs after READY.
            try await Task.sleep(for: .milliseconds(300))
            try await body(watcher) { handed.paths.withLock { $0 } }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        return handed.paths.withLock { $0 }
    }

    private final class Collected: Sendable {
        let paths = Mutex<[String]>([])
    }

    func write(_ name: String, _ text: String) throws {
        let url = URL(fileURLWithPath: inbox + "/" + name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    @Test func overflowSchedulesRescan() async throws {
        let source = ScriptedEventSource()
        let handed = try await watch(source: source) {
            // Written with no event delivered: only a rescan can find it.
            try write("lost.prompt", "A cat")
            try await Task.sleep(for: .seconds(1.5))
            source.send(.overflow)
            try await Task.sleep(for: .seconds(1.5))
        }
        #expect(handed == [inbox + "/lost.prompt"])
        #expect(source.watchedTrees == [inbox])
    }

    @Test func aFolderPastTheWatchLimitIsPolled() async throws {
        let deep = inbox + "/deep"
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        let source = ScriptedEventSource(unwatchable: [deep])
        let handed = try await watch(source: source) {
            try write("deep/dog.prompt", "A dog")
            try write("top.prompt", "Not polled, no event: stays unseen")
            try await Task.sleep(for: .seconds(2))
        }
        #expect(handed == [deep + "/dog.prompt"])
    }

    @Test func pollingModeSettlesFilesOnlyOnceTheyStopChanging() async throws {
        let handed = try await watch(mode: .poll) {
            try write("growing.prompt", "A")
            for index in 0..<6 {
                try await Task.sleep(for: .milliseconds(250))
                let handle = try #require(FileHandle(forWritingAtPath: inbox + "/growing.prompt"))
                try handle.seekToEnd()
                handle.write(Data(" more \(index)".utf8))
                try handle.close()
            }
            try await Task.sleep(for: .seconds(2))
        }
        #expect(handed == [inbox + "/growing.prompt"])
    }

    @Test(arguments: [true, false])
    func anInotifyFailureTurnsTheInboxToPolling(sayingWhy: Bool) async throws {
        let source = ScriptedEventSource()
        let settle = SettleStateMachine<ContinuousClock.Instant>.Configuration(settleWindow: .milliseconds(200), quietWindow: .milliseconds(800))
        let handed = try await watch(source: source, settle: settle) { watcher, handedSoFar in
            try write("before.prompt", "Written while the events were already lost")
            #expect(watcher.degradation == nil)
            if sayingWhy { source.send(.failed(InotifyError(code: .readFailed, message: "scripted read failure", errno: 5))) }
            source.finish()
            #expect(await eventually { watcher.degradation == "inotify failed, polling 1 inbox instead" }, "\(watcher.degradation ?? "nil")")
            // No event is sent for either file: only polling can find them.
            try write("after.prompt", "A cat")
            #expect(await eventually { Set(handedSoFar()) == [inbox + "/before.prompt", inbox + "/after.prompt"] }, "\(handedSoFar())")
        }
        #expect(handed.count == 2)
    }

    @Test func aRepeatedCloseOnAnUnchangedFileIsNotANewArrival() async throws {
        let source = ScriptedEventSource()
        let path = inbox + "/cat.prompt"
        let handed = try await watch(source: source) {
            try write("cat.prompt", "A cat")
            source.send(.change(path: path, mask: [.closeWrite]))
            try await Task.sleep(for: .seconds(1))
            // NFSv4's spurious second close, with nothing changed.
            source.send(.change(path: path, mask: [.closeWrite]))
            try await Task.sleep(for: .seconds(1))
        }
        #expect(handed == [path])
    }

    @Test func aReloadAddsAndRemovesInboxesWhileRunning() async throws {
        let second = inbox + "-second"
        try FileManager.default.createDirectory(atPath: second, withIntermediateDirectories: true)
        let handed = try await watch { (watcher: InboxWatcher<ContinuousClock>) in
            watcher.reconfigure(.init(inboxes: [second], mode: .inotify, settle: .init(settleWindow: .milliseconds(200), quietWindow: .milliseconds(800))))
            try await Task.sleep(for: .milliseconds(300))
            try Data("new".utf8).write(to: URL(fileURLWithPath: second + "/new.prompt"))
            try write("old.prompt", "no longer watched")
            try await Task.sleep(for: .seconds(1.5))
        }
        #expect(handed == [second + "/new.prompt"])
    }

    /// A watcher whose windows are far longer than any test waits: what it hands on came through
    /// an immediate path (a rename, a file at rest found by a scan).
    func watchWithLongWindows(_ body: (_ handedSoFar: @escaping () -> [String]) async throws -> Void) async throws -> [String] {
        try await watch(settle: .init(settleWindow: .seconds(120), quietWindow: .seconds(300))) { _, handedSoFar in
            try await body(handedSoFar)
        }
    }

    @Test func aFileRenamedIntoPlaceIsCompleteAtOnce() async throws {
        let staging = inbox + "-staging"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        try Data("A kite".utf8).write(to: URL(fileURLWithPath: staging + "/kite.prompt"))
        let handed = try await watchWithLongWindows { handedSoFar in
            try FileManager.default.moveItem(atPath: staging + "/kite.prompt", toPath: inbox + "/kite.prompt")
            #expect(await eventually(timeout: .seconds(10)) { !handedSoFar().isEmpty })
        }
        #expect(handed == [inbox + "/kite.prompt"], "handed on without waiting for the 120 s settle window")
    }

    @Test func aBacklogAtRestStartsAtOnceAndAFreshFileWaitsForTheQuietWindow() async throws {
        try FileManager.default.createDirectory(atPath: inbox + "/team", withIntermediateDirectories: true)
        for index in 0..<50 {
            let path = inbox + "/team/old-\(index).prompt"
            try Data("Old \(index)".utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-3600)], ofItemAtPath: path)
        }
        try write("fresh.prompt", "Written just now: a writer may be paused mid-file")
        let handed = try await watchWithLongWindows { handedSoFar in
            #expect(await eventually(timeout: .seconds(20)) { handedSoFar().count >= 50 })
        }
        #expect(Set(handed) == Set((0..<50).map { inbox + "/team/old-\($0).prompt" }))
        #expect(!handed.contains(inbox + "/fresh.prompt"))
    }

    @Test func theWatchdogCheckIsAnsweredByTheRunningLoop() async throws {
        let watcher = InboxWatcher(configuration: .init(inboxes: [inbox], mode: .inotify), clock: ContinuousClock(), logger: Logger(label: "ping-test"))
        #expect(watcher.answeredLastPing(), "nothing was asked yet")
        #expect(!watcher.answeredLastPing(), "a watcher that does not run answers nothing")
        let group = ServiceGroup(services: [watcher], logger: Logger(label: "ping-test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(await eventually { watcher.answeredLastPing() })
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func realInotifySeesFilesInNewSubfolders() async throws {
        let handed = try await watch {
            try FileManager.default.createDirectory(atPath: inbox + "/team/a/b", withIntermediateDirectories: true)
            try write("team/a/b/deep.prompt", "Deep")
            try write("team/.DS_Store", "junk")
            #expect(await eventually(timeout: .seconds(5)) { FileManager.default.fileExists(atPath: inbox + "/team/a/b/deep.prompt") })
            try await Task.sleep(for: .seconds(1.5))
        }
        #expect(handed == [inbox + "/team/a/b/deep.prompt"])
    }
}
