import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

/// An inbox whose share goes away and comes back (an automount blip, an NFS server reboot):
/// nothing is cancelled, nothing paid is thrown away, and the work goes on when it is back.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ShareOutageTests {
    @Test(arguments: [WatchMode.inotify, .poll])
    func theShareRootRemovedAndRestoredUnderQueuedJobsLosesNothing(mode: WatchMode) async throws {
        try await DaemonHarness.run { harness in
            harness.stub.setLatency(milliseconds: 1500...1500)
            let away = harness.inbox + ".away"
            try await harness.withDaemon(mode: mode, concurrency: 1) {
                for name in ["a", "b", "c"] { try harness.drop(name + ".prompt", "Picture \(name)") }
                #expect(await eventually { harness.stub.generationRequests.count == 1 })
                // The share goes away with a request in flight: its folder is no longer there.
                try FileManager.default.moveItem(atPath: harness.inbox, toPath: away)
                // The paid image waits in the state directory; the queued jobs are held.
                #expect(await eventually { harness.heldResults.entries().count == 1 })
                let held = try #require(harness.heldResults.entries().first)
                #expect(held.inbox == harness.inbox && held.count == 1)
                let whileAway = try await SQLiteLedger.open(at: harness.stateDirectory + "/ledger.sqlite").allJobs()
                #expect(!whileAway.contains { $0.state == .cancelled || $0.state == .failed }, "\(whileAway.map { ($0.sourcePath, $0.state) })")
                #expect(harness.stub.generationRequests.count == 1, "nothing is sent for an inbox that is away")

                try FileManager.default.moveItem(atPath: away, toPath: harness.inbox)
                #expect(await eventually { ["a", "b", "c"].allSatisfy { harness.names().contains($0 + ".png") } }, "\(harness.names())")
                #expect(harness.heldResults.entries().isEmpty)
            }
            #expect(harness.stub.generationRequests.map { $0.fields["prompt"] ?? "" }.sorted() == ["Picture a", "Picture b", "Picture c"])
            #expect(!harness.names().contains { $0.hasSuffix(".error.txt") }, "\(harness.names())")
            let jobs = try await SQLiteLedger.open(at: harness.stateDirectory + "/ledger.sqlite").allJobs()
            #expect(jobs.filter { $0.state == .done }.count == 3, "\(jobs.map { ($0.sourcePath, $0.state) })")
            #expect(!jobs.contains { $0.state == .cancelled || $0.state == .failed })
            #expect(jobs.allSatisfy { !$0.outputPaths.isEmpty }, "the held result's name is recorded once delivered")
        }
    }
}

extension ShareOutageTests {
    @Test func resultsHeldAtTheLastStopAreDeliveredOnlyOnceTheirInboxIsThere() async throws {
        try await DaemonHarness.run { harness in
            let image = PlaceholderImage.render(width: 64, height: 64, format: .png, seed: 1)
            try harness.heldResults.hold(
                [image],
                for: .init(jobID: "0123456789ab", inbox: harness.inbox, sourcePath: harness.inbox + "/held.prompt", stem: harness.inbox + "/held", fileExtension: "png", numbered: false, count: 1)
            )
            // The share is still away when the daemon starts.
            let away = harness.inbox + ".away"
            try FileManager.default.moveItem(atPath: harness.inbox, toPath: away)
            try await harness.withDaemon {
                try await Task.sleep(for: .seconds(1))
                #expect(harness.heldResults.entries().count == 1, "nothing delivered into a folder that is not there")
                #expect(!FileManager.default.fileExists(atPath: harness.inbox))
                try FileManager.default.moveItem(atPath: away, toPath: harness.inbox)
                #expect(await eventually { harness.names().contains("held.png") }, "\(harness.names())")
                // The entry goes once its image is in place: a moment after the image appears.
                #expect(await eventually { harness.heldResults.entries().isEmpty })
            }
            #expect(try harness.bytes("held.png") == image)
            // Held at a stop, with the inbox there at the next start: delivered as it is first seen.
            try harness.heldResults.hold(
                [image],
                for: .init(jobID: "ba9876543210", inbox: harness.inbox, sourcePath: harness.inbox + "/later.prompt", stem: harness.inbox + "/later", fileExtension: "png", numbered: false, count: 1)
            )
            try await harness.withDaemon {
                #expect(await eventually { harness.names().contains("later.png") }, "\(harness.names())")
            }
            #expect(harness.stub.requests.isEmpty, "a held result is never asked for again")
        }
    }
}

/// Mounting needs root (and a kernel that lets the test mount); elsewhere the test is skipped.
enum TestMounts {
    static let available: Bool = {
        guard getuid() == 0 else { return false }
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("mount-probe-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard (try? run("/bin/mount", "-t", "tmpfs", "tmpfs", probe)) == 0 else { return false }
        _ = try? run("/bin/umount", probe)
        return true
    }()

    /// Runs a command and returns its exit status.
    @discardableResult
    static func run(_ executable: String, _ arguments: String...) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

extension ShareOutageTests {
    @Test(.enabled(if: TestMounts.available, "needs root to mount"))
    func aShareMountedInsideAnInboxUnmountedAndRemountedLosesNothing() async throws {
        try await DaemonHarness.run { harness in
            // The share: a file system of its own (its files survive the unmount), mounted in the inbox.
            let backing = harness.stateDirectory + "-share"
            let agency = harness.inbox + "/agency"
            for folder in [backing, agency] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            try #require(try TestMounts.run("/bin/mount", "-t", "tmpfs", "tmpfs", backing) == 0)
            defer { _ = try? TestMounts.run("/bin/umount", backing) }
            try #require(try TestMounts.run("/bin/mount", "--bind", backing, agency) == 0)
            defer { _ = try? TestMounts.run("/bin/umount", agency) }
            harness.stub.setLatency(milliseconds: 1500...1500)
            try await harness.withDaemon(concurrency: 1) {
                try harness.drop("agency/a.prompt", "Picture a")
                try harness.drop("agency/b.prompt", "Picture b")
                #expect(await eventually { harness.stub.generationRequests.count == 1 })
                // The share is unmounted with a request in flight: its mount point is an empty folder now.
                try #require(try TestMounts.run("/bin/umount", agency) == 0)
                #expect(await eventually { harness.heldResults.entries().count == 1 }, "the paid image is held, not written under the mount point")
                // The rest of the inbox goes on.
                try harness.drop("top.prompt", "Picture top")
                #expect(await eventually { harness.names().contains("top.png") })
                #expect(harness.names(in: "agency").isEmpty, "nothing written into the bare mount point: \(harness.names(in: "agency"))")
                #expect(harness.stub.generationRequests.count == 2, "nothing sent for the folder that is away")

                try #require(try TestMounts.run("/bin/mount", "--bind", backing, agency) == 0)
                #expect(await eventually { ["a.png", "b.png"].allSatisfy { harness.names(in: "agency").contains($0) } }, "\(harness.names(in: "agency"))")
                #expect(harness.heldResults.entries().isEmpty)
            }
            #expect(harness.stub.generationRequests.map { $0.fields["prompt"] ?? "" }.sorted() == ["Picture a", "Picture b", "Picture top"])
            let jobs = try await SQLiteLedger.open(at: harness.stateDirectory + "/ledger.sqlite").allJobs()
            #expect(jobs.filter { $0.state == .done }.count == 3, "\(jobs.map { ($0.sourcePath, $0.state) })")
            #expect(!jobs.contains { $0.state == .cancelled || $0.state == .failed })
        }
    }
}
