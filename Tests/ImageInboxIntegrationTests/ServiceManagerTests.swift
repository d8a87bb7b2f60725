import Foundation
import ImageInboxTestSupport
import Testing

/// The real executable as systemd sees it, through a notify socket of the test's own.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ServiceManagerTests {
    @Test func sigtermSendsStoppingWhileAJobIsStillInFlight() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("image-inbox-notify-\(UUID().uuidString)").path
        let inbox = root + "/inbox"
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let stub = try await ImagesAPIStub.start()
        stub.setLatency(milliseconds: 3000...3000)
        try Data(stub.apiKey.utf8).write(to: URL(fileURLWithPath: root + "/api-key"))
        let socket = try NotifySocket()
        let log = URL(fileURLWithPath: root + "/daemon.log")
        let daemon = try DaemonProcess(
            arguments: ["--inbox", inbox, "--provider", "aimlapi", "--base-url", stub.baseURL, "--api-key-file", root + "/api-key", "--state-dir", root + "/state"],
            log: log,
            environment: ["NOTIFY_SOCKET": socket.path]
        )
        var daemonLog: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        #expect(await eventually { socket.receive().contains("READY=1") }, "\(daemonLog)")
        try Data("A slow cat".utf8).write(to: URL(fileURLWithPath: inbox + "/cat.prompt"))
        #expect(await eventually { !stub.generationRequests.isEmpty })

        daemon.process.terminate()
        // Sent as shutdown begins, while the request still has seconds to go: not at the exit.
        #expect(await eventually(timeout: .seconds(2)) { socket.receive().contains("STOPPING=1") }, "\(socket.messages)")
        #expect(daemon.process.isRunning, "the job in flight is waited for")
        #expect(!FileManager.default.fileExists(atPath: inbox + "/cat.png"))
        let status = await daemon.terminate()
        #expect(status == 0, "\(daemonLog)")
        #expect(FileManager.default.fileExists(atPath: inbox + "/cat.png"), "the job in flight finished before the exit")
        #expect(socket.receive().filter { $0 == "STOPPING=1" }.count == 1)
        #expect(daemonLog.contains("Stopping: no new jobs"))
        await stub.stop()
    }
}
