import Foundation
import Glibc
import ImageInbox
import Testing

struct FolderDefaultsCacheTests {
    /// An inbox with `posters/` below it, in a temp folder removed at the end.
    static func withInbox(_ body: (String) throws -> Void) throws {
        let inbox = FileManager.default.temporaryDirectory.appendingPathComponent("defaults-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: inbox + "/posters", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: inbox) }
        try body(inbox)
    }

    static func write(_ text: String, to path: String, modified: Date) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: path)
    }

    @Test func deeperFoldersWinOverTheRoot() throws {
        try Self.withInbox { inbox in
            try Self.write("size: 1024x1024\nquality: low\n", to: inbox + "/image-inbox.yaml", modified: Date())
            try Self.write("quality: high\n", to: inbox + "/posters/image-inbox.yaml", modified: Date())
            let parameters = try FolderDefaultsCache().parameters(for: inbox + "/posters", inbox: inbox)
            #expect(parameters.size == "1024x1024")
            #expect(parameters.quality == "high")
        }
    }

    @Test func aRewriteThatKeepsSizeAndModificationTimeIsStillSeen() throws {
        try Self.withInbox { inbox in
            let path = inbox + "/image-inbox.yaml"
            let then = Date(timeIntervalSince1970: 1_700_000_000)
            try Self.write("quality: low\n", to: path, modified: then)
            let cache = FolderDefaultsCache()
            #expect(try cache.parameters(for: inbox, inbox: inbox).quality == "low")
            // As `cp -p` or `rsync -t --inplace` leave it: only the change time moves.
            try Self.write("quality: mid\n", to: path, modified: then)
            #expect(try cache.parameters(for: inbox, inbox: inbox).quality == "mid")
        }
    }

    @Test func aFileReplacedByRenameIsSeen() throws {
        try Self.withInbox { inbox in
            let path = inbox + "/image-inbox.yaml"
            try Self.write("quality: low\n", to: path, modified: Date())
            let cache = FolderDefaultsCache()
            #expect(try cache.parameters(for: inbox, inbox: inbox).quality == "low")
            try Self.write("quality: high\n", to: inbox + "/.new", modified: Date())
            #expect(rename(inbox + "/.new", path) == 0)
            #expect(try cache.parameters(for: inbox, inbox: inbox).quality == "high")
        }
    }

    @Test func aSymlinkedDefaultsFileIsNotFollowedNorTakenForNone() throws {
        try Self.withInbox { inbox in
            try Self.write("quality: high\n", to: inbox + "/elsewhere.yaml", modified: Date())
            try FileManager.default.createSymbolicLink(atPath: inbox + "/image-inbox.yaml", withDestinationPath: inbox + "/elsewhere.yaml")
            let cache = FolderDefaultsCache()
            #expect(cache.unreadableDefaults(for: inbox + "/posters", inbox: inbox)?.reason == .symbolicLink)
            let error = #expect(throws: ImageInboxError.self) { try cache.parameters(for: inbox + "/posters", inbox: inbox) }
            #expect(error?.message.contains("symbolic link") == true, "\(error?.message ?? "")")
        }
    }

    @Test func aRemovedFileNoLongerApplies() throws {
        try Self.withInbox { inbox in
            let path = inbox + "/image-inbox.yaml"
            try Self.write("quality: low\n", to: path, modified: Date())
            let cache = FolderDefaultsCache()
            #expect(try cache.parameters(for: inbox, inbox: inbox).quality == "low")
            try FileManager.default.removeItem(atPath: path)
            #expect(try cache.parameters(for: inbox, inbox: inbox).quality == nil)
        }
    }

    @Test func aBrokenFileIsReportedEveryTimeUntilItIsFixed() throws {
        try Self.withInbox { inbox in
            let path = inbox + "/image-inbox.yaml"
            try Self.write("quality: [unclosed\n", to: path, modified: Date(timeIntervalSince1970: 1_700_000_000))
            let cache = FolderDefaultsCache()
            for _ in 0..<2 {
                #expect(throws: ImageInboxError.self) { try cache.parameters(for: inbox, inbox: inbox) }
            }
            try Self.write("quality: low\n", to: path, modified: Date())
            #expect(try cache.parameters(for: inbox, inbox: inbox).quality == "low")
        }
    }
}
