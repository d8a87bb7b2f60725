import Foundation
import Inotify
import Testing

@Suite(.timeLimit(.minutes(1)))
struct InotifyWatcherTests {
    let root: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("inotify-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// Collects events until `done` says so, then stops watching.
    func events(
        of watcher: InotifyWatcher,
        after action: () throws -> Void,
        until done: ([InotifyEvent]) -> Bool
    ) async throws -> [InotifyEvent] {
        let stream = watcher.events()
        try action()
        var seen: [InotifyEvent] = []
        for await event in stream {
            seen.append(event)
            if done(seen) { break }
        }
        return seen
    }

    func hasEvent(_ events: [InotifyEvent], _ path: String, _ mask: InotifyMask) -> Bool {
        events.contains { if case .change(path, let seen) = $0 { seen.contains(mask) } else { false } }
    }

    @Test func closeAfterWriteIsReported() async throws {
        let watcher = try InotifyWatcher()
        #expect(watcher.watchTree(root).isEmpty)
        let file = root + "/cat.prompt"
        let seen = try await events(of: watcher, after: { try Data("cat".utf8).write(to: URL(fileURLWithPath: file)) }) {
            hasEvent($0, file, .closeWrite)
        }
        #expect(hasEvent(seen, file, .create) || hasEvent(seen, file, .movedTo))
    }

    @Test func filesTheConsumerNeedNotSeeAreNotReported() async throws {
        let watcher = try InotifyWatcher(shouldReport: { !$0.hasSuffix(".tmp") })
        watcher.watchTree(root)
        let temporary = root + "/.result.tmp"
        let file = root + "/cat.prompt"
        // The temp file's events come first in the queue: once the prompt's close arrives, any
        // of the temp file's would have been read already.
        let seen = try await events(
            of: watcher,
            after: {
                try Data("image".utf8).write(to: URL(fileURLWithPath: temporary))
                try Data("cat".utf8).write(to: URL(fileURLWithPath: file))
            },
            until: { hasEvent($0, file, .closeWrite) }
        )
        #expect(!seen.contains { if case .change(temporary, _) = $0 { true } else { false } })
    }

    @Test func aFolderBeingListedIsNotAnEvent() async throws {
        try FileManager.default.createDirectory(atPath: root + "/posters", withIntermediateDirectories: true)
        let watcher = try InotifyWatcher()
        watcher.watchTree(root)
        let file = root + "/cat.prompt"
        let seen = try await events(
            of: watcher,
            after: {
                _ = try FileManager.default.contentsOfDirectory(atPath: root)
                _ = try FileManager.default.contentsOfDirectory(atPath: root + "/posters")
                try Data("cat".utf8).write(to: URL(fileURLWithPath: file))
            },
            until: { hasEvent($0, file, .closeWrite) }
        )
        #expect(!hasEvent(seen, root, .open) && !hasEvent(seen, root + "/posters", .open))
    }

    @Test func newSubfoldersAreWatchedBeforeTheirEventArrives() async throws {
        let watcher = try InotifyWatcher()
        watcher.watchTree(root)
        let folder = root + "/team"
        let file = folder + "/dog.prompt"
        let stream = watcher.events()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        var seen: [InotifyEvent] = []
        var wroteFile = false
        for await event in stream {
            seen.append(event)
            if !wroteFile, hasEvent(seen, folder, .create) {
                #expect(watcher.watchedDirectoryCount == 2)
                try Data("dog".utf8).write(to: URL(fileURLWithPath: file))
                wroteFile = true
            }
            if hasEvent(seen, file, .closeWrite) { break }
        }
        #expect(hasEvent(seen, file, .closeWrite))
    }

    @Test func ignoredFoldersAreNotEntered() throws {
        try FileManager.default.createDirectory(atPath: root + "/@eaDir/deep", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/posters", withIntermediateDirectories: true)
        let watcher = try InotifyWatcher(shouldDescend: { $0 != "@eaDir" })
        watcher.watchTree(root)
        #expect(watcher.watchedDirectoryCount == 2)
    }

    @Test func aMissingFolderIsNotWatchedAndNotAnError() throws {
        let watcher = try InotifyWatcher()
        #expect(watcher.watchTree(root + "/does-not-exist").isEmpty)
        #expect(watcher.watchedDirectoryCount == 0)
    }

    @Test func removedFoldersAreUnwatched() throws {
        try FileManager.default.createDirectory(atPath: root + "/a/b", withIntermediateDirectories: true)
        let watcher = try InotifyWatcher()
        watcher.watchTree(root)
        #expect(watcher.watchedDirectoryCount == 3)
        watcher.unwatchTree(root + "/a")
        #expect(watcher.watchedDirectoryCount == 1)
    }
}

extension InotifyWatcherTests {
    @Test func theWatchLimitMessageSaysHowManyFoldersAgainstWhichLimitAndWhatToSet() throws {
        let limitFile = FileManager.default.temporaryDirectory.appendingPathComponent("max_user_watches-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: limitFile) }
        try "8192\n".write(toFile: limitFile, atomically: true, encoding: .utf8)
        let message = InotifyWatcher.watchLimitMessage(for: "/srv/design/2026", watched: 8100, waiting: 400_000, limitFile: limitFile)
        #expect(message.contains("8100 folders watched here and at least 400000 more"), "\(message)")
        #expect(message.contains("fs.inotify.max_user_watches = 8192"), "\(message)")
        #expect(message.contains("sysctl fs.inotify.max_user_watches=1048576"), "twice what is wanted, rounded up: \(message)")
        let roomy = InotifyWatcher.watchLimitMessage(for: "/srv/x", watched: 10, waiting: 1, limitFile: limitFile)
        #expect(roomy.contains("max_user_watches=524288"), "\(roomy)")
    }
}
