import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

/// Two daemons on one inbox would pay for every prompt twice: the second refuses to start.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct InstanceLockTests {
    @Test func aSecondDaemonOnTheStateDirectoryOrTheInboxRefusesAndTheFirstGoesOnAlone() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("image-inbox-lock-\(UUID().uuidString)").path
        let inbox = root + "/inbox"
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let stub = try await ImagesAPIStub.start()
        try Data(stub.apiKey.utf8).write(to: URL(fileURLWithPath: root + "/api-key"))
        func arguments(state: String) -> [String] {
            ["--inbox", inbox, "--provider", "aimlapi", "--base-url", stub.baseURL, "--api-key-file", root + "/api-key", "--state-dir", state]
        }
        func log(_ name: String) -> URL { URL(fileURLWithPath: root + "/\(name).log") }
        func text(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

        let first = try DaemonProcess(arguments: arguments(state: root + "/state"), log: log("first"))
        #expect(await eventually { text(log("first")).contains("Startup scan done") }, "\(text(log("first")))")
        let pid = first.process.processIdentifier
        // Nobody else may open the marker, so nobody else can hold its lock.
        let marker = try FileManager.default.attributesOfItem(atPath: inbox + "/.image-inbox.lock")
        #expect((marker[.posixPermissions] as? Int) == 0o600)

        // By hand beside the service, on the same state directory.
        let byHand = try DaemonProcess(arguments: arguments(state: root + "/state"), log: log("by-hand"))
        #expect(await eventually { !byHand.process.isRunning })
        #expect(byHand.process.terminationStatus != 0)
        #expect(text(log("by-hand")).contains("another image-inbox, pid \(pid) on host"), "\(text(log("by-hand")))")
        #expect(text(log("by-hand")).contains("already uses the state directory \(root)/state"))

        // Another state directory, the same inbox.
        let other = try DaemonProcess(arguments: arguments(state: root + "/other-state"), log: log("other"))
        #expect(await eventually { !other.process.isRunning })
        #expect(other.process.terminationStatus != 0)
        let refusal = text(log("other"))
        #expect(refusal.contains("another image-inbox, pid \(pid) on host") && refusal.contains("already watches \(inbox)"), "\(refusal)")
        // Who holds it, as the kernel says, not only as the lock file says.
        #expect(refusal.contains("process \(pid) ("), "\(refusal)")
        #expect(refusal.contains("\(root)/state/ledger.sqlite") && refusal.contains("PostgreSQL"), "\(refusal)")

        // The first goes on alone: one request per prompt.
        for index in 1...3 { try Data("Picture \(index)".utf8).write(to: URL(fileURLWithPath: inbox + "/p\(index).prompt")) }
        #expect(await eventually { (1...3).allSatisfy { FileManager.default.fileExists(atPath: inbox + "/p\($0).png") } })
        #expect(await first.terminate() == 0)
        #expect(stub.generationRequests.count == 3)
        #expect(!((try? FileManager.default.contentsOfDirectory(atPath: inbox)) ?? []).contains { $0.hasSuffix("-2.png") })

        // Once it is gone, the locks are free again (the kernel dropped them).
        #expect(InstanceLock.conflicts(stateDirectory: root + "/state", inboxes: [inbox]).isEmpty)
        await stub.stop()
    }

    @Test func aReloadLocksTheInboxesItAddsAndLetsGoOfThoseItDrops() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("image-inbox-lock-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (first, second, third) = (root + "/first", root + "/second", root + "/third")
        for folder in [first, second, third] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        // flock conflicts between open files, so two daemons' locks can be taken in one process.
        let mine = try InstanceLock.acquire(stateDirectory: root + "/state", ledgerPath: root + "/state/ledger.sqlite", inboxes: [first])
        let other = try InstanceLock.acquire(stateDirectory: root + "/other", ledgerPath: root + "/other/ledger.sqlite", inboxes: [second])

        let refusal = try #require(throws: ImageInboxError.self) { try mine.watch([first, second]) }
        #expect(refusal.message.contains("already watches \(second)") && refusal.message.contains("\(root)/other/ledger.sqlite"), "\(refusal.message)")
        #expect(InstanceLock.conflicts(stateDirectory: root + "/third-state", inboxes: [first]).count == 1, "the refused reload keeps what was held")

        try mine.watch([first, third])
        #expect(InstanceLock.conflicts(stateDirectory: root + "/third-state", inboxes: [third]).count == 1, "an added inbox is locked")
        try mine.watch([third])
        #expect(InstanceLock.conflicts(stateDirectory: root + "/third-state", inboxes: [first]).isEmpty, "a dropped inbox is let go")
        withExtendedLifetime(other) {}
    }
}
