import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Sources that change, vanish, or lose their folder or disk space while their jobs wait or run.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct SourceChangeTests {
    func ledger(_ harness: DaemonHarness) throws -> SQLiteLedger {
        try SQLiteLedger.open(at: harness.stateDirectory + "/ledger.sqlite")
    }

    @Test func aSourceDeletedWhileQueuedIsCancelled() async throws {
        try await DaemonHarness.run { harness in
            // Long enough for b to settle and be queued behind a's request on a loaded machine.
            harness.stub.setLatency(milliseconds: 4000...4000)
            try await harness.withDaemon(concurrency: 1) {
                try harness.drop("a.prompt", "First")
                #expect(await eventually { harness.stub.generationRequests.count == 1 })
                try harness.drop("b.prompt", "Second, soon deleted")
                // Deleted once it waits in the queue behind a's request.
                var queued = false
                for _ in 0..<200 where !queued {
                    queued = try await ledger(harness).allJobs().contains { $0.sourcePath.hasSuffix("/b.prompt") && $0.state == .queued }
                    if !queued { try await Task.sleep(for: .milliseconds(50)) }
                }
                #expect(queued)
                try FileManager.default.removeItem(atPath: harness.inbox + "/b.prompt")
                #expect(await eventually { harness.names().contains("a.png") })
                try await Task.sleep(for: .milliseconds(500))
            }
            #expect(harness.stub.generationRequests.count == 1)
            let states = try await ledger(harness).allJobs().map { (SourceName(path: $0.sourcePath).fileName, $0.state) }
            #expect(states.contains { $0 == ("b.prompt", .cancelled) }, "\(states)")
        }
    }

    @Test func aSourceChangedWhileItsJobRunsGetsASecondJobAndBothResults() async throws {
        try await DaemonHarness.run { harness in
            harness.stub.setLatency(milliseconds: 1500...1500)
            try await harness.withDaemon {
                try harness.drop("cat.prompt", "A cat")
                #expect(await eventually { harness.stub.generationRequests.count == 1 })
                try harness.drop("cat.prompt", "A cat, but blue")
                #expect(await eventually { harness.names().contains("cat-2.png") })
            }
            #expect(harness.stub.generationRequests.map { $0.fields["prompt"] } == ["A cat", "A cat, but blue"])
            #expect(ImageMetadata(readingFrom: try harness.bytes("cat.png"))["prompt"] == "A cat")
            #expect(ImageMetadata(readingFrom: try harness.bytes("cat-2.png"))["prompt"] == "A cat, but blue")
            #expect(try await ledger(harness).allJobs().filter { $0.state == .done }.count == 2)
        }
    }

    @Test func aFolderDeletedUnderARunningJobFailsThatJobOnly() async throws {
        try await DaemonHarness.run { harness in
            harness.stub.setLatency(milliseconds: 1000...1000)
            try await harness.withDaemon {
                try harness.drop("doomed/x.prompt", "Nowhere to go")
                #expect(await eventually { harness.stub.generationRequests.count == 1 })
                try FileManager.default.removeItem(atPath: harness.inbox + "/doomed")
                try harness.drop("fine.prompt", "Still fine")
                #expect(await eventually { harness.names().contains("fine.png") })
                try await Task.sleep(for: .milliseconds(500))
            }
            let jobs = try await ledger(harness).allJobs()
            let doomed = try #require(jobs.first { $0.sourcePath.hasSuffix("doomed/x.prompt") })
            #expect(doomed.state == .failed)
            #expect(doomed.errorCode == "output_failed")
            #expect(harness.stub.generationRequests.count == 2)
            #expect(harness.names() == ["fine.png", "fine.prompt"])
        }
    }

    @Test(.enabled(if: getuid() == 0, "needs root to mount a small tmpfs"))
    func aFullDiskIsWaitedOutWithoutPayingAgain() async throws {
        try await DaemonHarness.run { harness in
            let folder = harness.inbox + "/small"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            #expect(run("/bin/mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", folder) == 0)
            defer { _ = run("/bin/umount", "-l", folder) }
            try harness.drop("small/big.prompt", "---\nsize: 1536x1024\n---\nToo big for the disk")
            try Data(count: 56 * 1024).write(to: URL(fileURLWithPath: folder + "/filler.bin"))
            harness.stub.setLatency(milliseconds: 0...0)
            try await harness.withDaemon(retry: RetryPolicy(maximumAttempts: 8, baseDelay: .milliseconds(300), maximumDelay: .seconds(1))) {
                #expect(await eventually { harness.stub.generationRequests.count == 1 })
                try await Task.sleep(for: .seconds(1))
                #expect(!harness.names(in: "small").contains("big.png"))
                try FileManager.default.removeItem(atPath: folder + "/filler.bin")
                #expect(await eventually { harness.names(in: "small").contains("big.png") })
            }
            #expect(harness.stub.generationRequests.count == 1, "the image was kept, not requested again")
            #expect(harness.names(in: "small") == ["big.png", "big.prompt"])
        }
    }

    @Test(.enabled(if: getuid() == 0, "needs root for chattr"))
    func aReadOnlyFolderIsWaitedOutWithoutPayingAgain() async throws {
        try await DaemonHarness.run { harness in
            let folder = harness.inbox + "/locked"
            try harness.drop("locked/l.prompt", "Locked away")
            #expect(run("/usr/bin/chattr", "+i", folder) == 0)
            defer { _ = run("/usr/bin/chattr", "-i", folder) }
            try await harness.withDaemon(retry: RetryPolicy(maximumAttempts: 8, baseDelay: .milliseconds(300), maximumDelay: .seconds(1))) {
                #expect(await eventually { harness.stub.generationRequests.count == 1 })
                try await Task.sleep(for: .seconds(1))
                #expect(run("/usr/bin/chattr", "-i", folder) == 0)
                #expect(await eventually { harness.names(in: "locked").contains("l.png") })
            }
            #expect(harness.stub.generationRequests.count == 1)
        }
    }

    private func run(_ tool: String, _ arguments: String...) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
