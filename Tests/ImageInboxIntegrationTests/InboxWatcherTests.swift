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
        var logger = Logger(label: "watcher-test")
        logger.logLevel = .critical
        let watcher = InboxWatcher(
            configuration: .init(
                inboxes: [inbox],
                mode: mode,
                settle: .init(settleWindow: .milliseconds(200), quietWindow: .milliseconds(800)),
                pollInterval: .milliseconds(300),
                rescanInterval: .seconds(600)
            ),
            clock: ContinuousClock(),
            logger: logger,
            eventSource: { rules in
                if let source { return source }
                return try InotifyWatcher(shouldDescend: { !rules.ignores(name: $0) })
            }
        )
        let handed = Collected()
        let group = ServiceGroup(services: [watcher], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                for await source in watcher.settledSources { handed.paths.withLock { $0.append(source.path) } }
            }
            try await Task.sleep(for: .milliseconds(300))
            try await body(watcher)
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

    @Test func aLongStartupScanReportsProgress() async throws {
        for index in 0..<7 { try FileManager.default.createDirectory(atPath: inbox + "/f\(index)", withIntermediateDirectories: true) }
        let reports = Mutex(0)
        let watcher = InboxWatcher(
            configuration: .init(inboxes: [inbox], mode: .poll, progressFolders: 2),
            clock: ContinuousClock(),
            logger: Logger(label: "progress-test"),
            onStartupProgress: { reports.withLock { $0 += 1 } }
        )
        let group = ServiceGroup(services: [watcher], logger: Logger(label: "progress-test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(await eventually { watcher.isAlive(within: .seconds(1)) })
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(reports.withLock { $0 } == 4, "8 folders, a report every 2")
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
