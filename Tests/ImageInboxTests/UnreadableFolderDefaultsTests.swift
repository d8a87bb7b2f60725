import Foundation
import Glibc
import ImageInbox
import Testing

/// An `image-inbox.yaml` that is there but can't be read is named, never taken for none.
struct UnreadableFolderDefaultsTests {
    /// Ways an `image-inbox.yaml` can be there and yet not be read.
    enum Breakage: String, CaseIterable, Sendable {
        case symbolicLink, folder, fifo, overSixtyFourKB

        func make(at path: String) throws {
            switch self {
            case .symbolicLink:
                try FolderDefaultsCacheTests.write("quality: high\n", to: path + ".real", modified: Date())
                try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: path + ".real")
            case .folder:
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            case .fifo:
                #expect(mkfifo(path, 0o644) == 0)
            case .overSixtyFourKB:
                try FolderDefaultsCacheTests.write("# " + String(repeating: "x", count: 70_000 - 3) + "\n", to: path, modified: Date())
            }
        }

        var reason: UnreadableFolderDefaults.Reason {
            switch self {
            case .symbolicLink: .symbolicLink
            case .folder, .fifo: .notRegularFile
            case .overSixtyFourKB: .tooLarge(bytes: 70_000)
            }
        }
    }

    @Test(arguments: Breakage.allCases)
    func anUnreadableUpperFileIsNamedUntilItIsFixed(breakage: Breakage) throws {
        try FolderDefaultsCacheTests.withInbox { inbox in
            let path = inbox + "/image-inbox.yaml"
            try breakage.make(at: path)
            let cache = FolderDefaultsCache()
            let unreadable = try #require(cache.unreadableDefaults(for: inbox + "/posters", inbox: inbox))
            #expect(unreadable.path == path)
            #expect(unreadable.reason == breakage.reason)
            #expect(unreadable.notePath == inbox + "/image-inbox.paused.txt")
            #expect(unreadable.noteText.hasPrefix(UnreadableFolderDefaults.noteMarker))
            #expect(unreadable.noteText.contains("image-inbox.yaml here can't be read: \(unreadable.problem)."))
            #expect(unreadable.noteText.contains("wait"))
            #expect(throws: ImageInboxError.self) { try cache.style(for: inbox + "/posters", inbox: inbox) }

            try FileManager.default.removeItem(atPath: path)
            try FolderDefaultsCacheTests.write("quality: low\n", to: path, modified: Date())
            #expect(cache.unreadableDefaults(for: inbox + "/posters", inbox: inbox) == nil)
            #expect(try cache.parameters(for: inbox + "/posters", inbox: inbox).quality == "low")
        }
    }

    @Test(.enabled(if: geteuid() != 0, "root reads a file whatever its mode"))
    func aFileTheDaemonMayNotReadIsNamedAndAChmodFixesIt() throws {
        try FolderDefaultsCacheTests.withInbox { inbox in
            let path = inbox + "/image-inbox.yaml"
            try FolderDefaultsCacheTests.write("locked: {quality: low}\n", to: path, modified: Date())
            #expect(chmod(path, 0) == 0)
            let cache = FolderDefaultsCache()
            #expect(cache.unreadableDefaults(for: inbox + "/posters", inbox: inbox)?.reason == .permissionDenied)
            #expect(chmod(path, 0o644) == 0)
            #expect(cache.unreadableDefaults(for: inbox + "/posters", inbox: inbox) == nil)
            #expect(try cache.style(for: inbox + "/posters", inbox: inbox).locked.quality == "low")
        }
    }

    @Test func theUppermostUnreadableFileIsNamedAndAWrongOneIsNotUnreadable() throws {
        try FolderDefaultsCacheTests.withInbox { inbox in
            try Breakage.folder.make(at: inbox + "/posters/image-inbox.yaml")
            try Breakage.overSixtyFourKB.make(at: inbox + "/image-inbox.yaml")
            let cache = FolderDefaultsCache()
            #expect(cache.unreadableDefaults(for: inbox + "/posters", inbox: inbox)?.path == inbox + "/image-inbox.yaml")
            try FileManager.default.removeItem(atPath: inbox + "/image-inbox.yaml")
            #expect(cache.unreadableDefaults(for: inbox + "/posters", inbox: inbox)?.path == inbox + "/posters/image-inbox.yaml")

            // A YAML mistake is reported by the jobs themselves, as before.
            try FileManager.default.removeItem(atPath: inbox + "/posters/image-inbox.yaml")
            try FolderDefaultsCacheTests.write("quality: [unclosed\n", to: inbox + "/image-inbox.yaml", modified: Date())
            #expect(cache.unreadableDefaults(for: inbox + "/posters", inbox: inbox) == nil)
            #expect(throws: ImageInboxError.self) { try cache.style(for: inbox + "/posters", inbox: inbox) }
        }
    }

    @Test func aWaitEndsOnlyOnceItsFileChanged() throws {
        try FolderDefaultsCacheTests.withInbox { inbox in
            let path = inbox + "/image-inbox.yaml"
            try Breakage.symbolicLink.make(at: path)
            let cache = FolderDefaultsCache()
            let unreadable = try #require(cache.unreadableDefaults(for: inbox + "/posters", inbox: inbox))
            let source = FolderRulesWaitsTests.source(inbox + "/posters/cat.prompt")
            #expect(cache.hold(source, on: unreadable).isNew)
            #expect(cache.releaseChangedWaits().isEmpty, "the link is still there")

            try FileManager.default.removeItem(atPath: path)
            try FolderDefaultsCacheTests.write("quality: low\n", to: path, modified: Date())
            let released = cache.releaseChangedWaits()
            #expect(released.map(\.file.path) == [path])
            #expect(released.first?.waiting == [source])
            #expect(cache.releaseChangedWaits().isEmpty, "released once")
        }
    }
}
