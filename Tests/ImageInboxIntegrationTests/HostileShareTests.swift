import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A share whose users may be hostile: links, swapped folders and pipes never make the daemon
/// read or write outside the inbox, and each gets a clear note. Real inotify on a real folder,
/// the strict stub over loopback.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct HostileShareTests {
    let base = PlaceholderImage.render(width: 512, height: 512, format: .png, seed: 1)
    let secret = PlaceholderImage.render(width: 512, height: 512, format: .png, seed: 9)

    /// The folder beside the inbox that stands for everything outside it, with a secret image.
    func outside(of harness: DaemonHarness) throws -> String {
        let outside = URL(fileURLWithPath: harness.inbox).deletingLastPathComponent().path + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Data(secret).write(to: URL(fileURLWithPath: outside + "/secret.png"))
        return outside
    }

    func note(_ harness: DaemonHarness, _ name: String) -> String {
        (try? String(decoding: harness.bytes(name), as: UTF8.self)) ?? ""
    }

    /// Nothing the stub received holds the secret's bytes.
    func secretWasNeverSent(_ harness: DaemonHarness) -> Bool {
        let secretHash = ContentHash.of(secret)
        return !harness.stub.requests.contains { $0.parts.contains { ContentHash.of($0.bytes) == secretHash } }
    }

    @Test func anImageListedThroughALinkedFolderIsRefusedWithANoteAndNeverSent() async throws {
        try await DaemonHarness.run { harness in
            _ = try outside(of: harness)
            try FileManager.default.createDirectory(atPath: harness.inbox + "/sub", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: harness.inbox + "/sub/link", withDestinationPath: "../../outside")
            try harness.drop("base.png", bytes: base)
            try harness.drop("dotted.png", bytes: base)
            try await harness.withDaemon {
                try harness.drop("base.edit", "---\nimages: [sub/link/secret.png]\n---\nAdd the second image")
                try harness.drop("dotted.edit", "---\nimages: [sub/link/../../../outside/secret.png]\n---\nAdd the second image")
                #expect(await eventually { harness.names().contains("base.error.txt") && harness.names().contains("dotted.error.txt") }, "\(harness.names())")
            }
            #expect(note(harness, "base.error.txt").contains("images: sub/link/secret.png goes through a symbolic link"), "\(note(harness, "base.error.txt"))")
            #expect(note(harness, "dotted.error.txt").contains("outside the inbox"), "\(note(harness, "dotted.error.txt"))")
            #expect(harness.stub.editRequests.isEmpty)
            #expect(secretWasNeverSent(harness))
            #expect(!harness.names().contains("base.edited.png"))
        }
    }

    @Test func aBundleImageThatIsALinkIsRefusedWithANote() async throws {
        try await DaemonHarness.run { harness in
            let outside = try outside(of: harness)
            try FileManager.default.createSymbolicLink(atPath: harness.inbox + "/cat.png", withDestinationPath: outside + "/secret.png")
            try await harness.withDaemon {
                try harness.drop("cat.edit", "Make it blue")
                #expect(await eventually { harness.names().contains("cat.error.txt") })
            }
            #expect(note(harness, "cat.error.txt").contains("symbolic link"), "\(note(harness, "cat.error.txt"))")
            #expect(harness.stub.editRequests.isEmpty)
            #expect(secretWasNeverSent(harness))
        }
    }

    /// The folder of a job in flight renamed away and replaced by a link to a folder outside the
    /// inbox: the result is held in the state directory, and nothing is created outside.
    @Test func aFolderSwappedForALinkWhileItsRequestIsInFlightGetsNothingWrittenThrough() async throws {
        try await DaemonHarness.run { harness in
            let outside = try outside(of: harness)
            harness.stub.setLatency(milliseconds: 1500...1500)
            try await harness.withDaemon {
                try harness.drop("team/a.prompt", "A red fox")
                #expect(await eventually { harness.stub.generationRequests.count == 1 })
                let team = harness.inbox + "/team"
                try FileManager.default.moveItem(atPath: team, toPath: team + ".orig")
                try FileManager.default.createSymbolicLink(atPath: team, withDestinationPath: outside)
                #expect(await eventually { harness.heldResults.entries().count == 1 })
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: outside) == ["secret.png"], "nothing written outside the inbox")
            let held = try #require(harness.heldResults.entries().first)
            #expect(held.sourcePath == harness.inbox + "/team/a.prompt")
        }
    }

    @Test func aFIFOInPlaceOfAnImageIsRefusedWithoutBlockingTheDaemon() async throws {
        try await DaemonHarness.run { harness in
            #expect(mkfifo(harness.inbox + "/pipe.png", 0o666) == 0)
            try await harness.withDaemon {
                try harness.drop("pipe.edit", "Make it blue")
                #expect(await eventually { harness.names().contains("pipe.error.txt") })
                // The daemon goes on with other work.
                try harness.drop("next.prompt", "A lighthouse")
                #expect(await eventually { harness.names().contains("next.png") })
            }
            #expect(note(harness, "pipe.error.txt").contains("not a regular file"), "\(note(harness, "pipe.error.txt"))")
            #expect(harness.stub.editRequests.isEmpty)
        }
    }
}
