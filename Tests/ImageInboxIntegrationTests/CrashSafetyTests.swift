import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

/// The real executable, killed and stopped: nothing lost, nothing partial, nothing paid twice.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct CrashSafetyTests {
    struct Setup {
        let root: String
        let inbox: String
        let stub: ImagesAPIStub
        let log: URL

        var arguments: [String] {
            ["--inbox", inbox, "--provider", "aimlapi", "--base-url", stub.baseURL, "--api-key-file", root + "/api-key", "--state-dir", root + "/state"]
        }

        func results(of index: Int) -> [String] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: inbox)) ?? []
            return names.filter { $0 == "p\(index).png" || ($0.hasPrefix("p\(index)-") && $0.hasSuffix(".png")) }
        }

        func leftovers() -> [String] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: inbox)) ?? []
            // The lock marker stays: the kernel drops the lock, the file only says who held it.
            return names.filter { ($0.hasPrefix(".") && $0 != InstanceLock.inboxFileName) || $0.hasSuffix(".tmp") || $0.hasSuffix(".error.txt") }
        }

        var daemonLog: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
    }

    func withSetup(jobs: Int, _ body: (Setup) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("image-inbox-crash-\(UUID().uuidString)").path
        let inbox = root + "/inbox"
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        let stub = try await ImagesAPIStub.start()
        try Data(stub.apiKey.utf8).write(to: URL(fileURLWithPath: root + "/api-key"))
        for index in 1...jobs {
            try Data("Picture \(index) of \(jobs)".utf8).write(to: URL(fileURLWithPath: inbox + "/p\(index).prompt"))
        }
        let setup = Setup(root: root, inbox: inbox, stub: stub, log: URL(fileURLWithPath: root + "/daemon.log"))
        #expect(FileManager.default.isExecutableFile(atPath: DaemonProcess.executable.path), "build the executable first (swift build)")
        do {
            try await body(setup)
        } catch {
            await stub.stop()
            throw error
        }
        await stub.stop()
        try? FileManager.default.removeItem(atPath: root)
    }

    @Test func aCrashBetweenTheAnswerAndItsDownloadResumesTheDownload() async throws {
        try await withSetup(jobs: 1) { setup in
            // The answer comes with a url; every download of it fails until the stub says otherwise.
            setup.stub.failEachDownload(times: 1_000)
            let environment = ["IMAGE_INBOX_RESPONSE_FORMAT": "url"]
            let daemon = try DaemonProcess(arguments: setup.arguments, log: setup.log, environment: environment)
            guard await eventually(timeout: .seconds(30), { !setup.stub.downloadRequests.isEmpty }) else {
                daemon.kill()
                Issue.record("no download\n\(setup.daemonLog.suffix(2000))")
                return
            }
            daemon.kill()
            #expect(setup.stub.generationRequests.count == 1)
            setup.stub.failEachDownload(times: 0)
            let again = try DaemonProcess(arguments: setup.arguments, log: setup.log, environment: environment)
            #expect(await eventually(timeout: .seconds(30)) { !setup.results(of: 1).isEmpty }, "\(setup.daemonLog.suffix(2000))")
            #expect(await again.terminate() == 0)
            #expect(setup.stub.generationRequests.count == 1, "the download was resumed, the image not paid for again")
            #expect(setup.leftovers().isEmpty, "\(setup.leftovers())")
            #expect(setup.daemonLog.contains("answer paid for before the last stop"))
        }
    }

    @Test func killedAtRandomMomentsEverySourceGetsExactlyOneResult() async throws {
        let jobs = 100
        let rounds = 12
        try await withSetup(jobs: jobs) { setup in
            // Long enough that a kill right after a request arrives lands while it is in flight.
            setup.stub.setLatency(milliseconds: 100...250)
            let arguments = setup.arguments + ["--concurrency", "1"]
            func prompt(_ index: Int) -> String { "Picture \(index) of \(jobs)" }
            func written() -> Set<String> { Set((1...jobs).filter { !setup.results(of: $0).isEmpty }.map(prompt)) }
            func sent() -> [String] { setup.stub.generationRequests.map { $0.fields["prompt"] ?? "" } }

            var kills: [(sent: Int, written: Set<String>)] = []
            var killsMidJob = 0
            for round in 1...rounds {
                let before = sent().count
                let daemon = try DaemonProcess(arguments: arguments, log: setup.log)
                // Awaited: after every SIGKILL the next start takes the work up again.
                guard await eventually(timeout: .seconds(30), { sent().count > before }) else {
                    _ = await daemon.terminate()
                    Issue.record("round \(round): no request after the restart\n\(setup.daemonLog.suffix(2000))")
                    return
                }
                // Odd rounds: killed with that request in flight; even rounds: at a random later moment.
                if round.isMultiple(of: 2) { try await Task.sleep(for: .milliseconds(Int.random(in: 0...1000))) }
                daemon.kill()
                // Exact: the dead daemon writes nothing more.
                let snapshot = (sent: sent(), written: written())
                if !Set(snapshot.sent[before...]).isSubset(of: snapshot.written) { killsMidJob += 1 }
                kills.append((snapshot.sent.count, snapshot.written))
            }

            let daemon = try DaemonProcess(arguments: arguments, log: setup.log)
            let finished = await eventually(timeout: .seconds(120)) { written().count == jobs }
            let status = await daemon.terminate()
            #expect(status == 0, "exit \(String(describing: status)): \(setup.daemonLog.suffix(1500))")
            #expect(finished, "\(setup.daemonLog.suffix(2000))")

            let requests = sent()
            // Nothing paid twice: a job whose result was in the folder at a kill is never requested after it.
            for (number, kill) in kills.enumerated() {
                let again = requests[kill.sent...].filter { kill.written.contains($0) }
                #expect(again.isEmpty, "requested after kill \(number + 1) although written: \(Set(again))")
            }
            // The test's own guard: its kills did catch jobs between the request and the result.
            #expect(killsMidJob >= rounds / 3, "\(killsMidJob) of \(rounds) kills caught a job in flight")
            #expect(Set(requests) == Set((1...jobs).map(prompt)), "every job sent, nothing else")
            // One job at a time: each kill can lose at most the one request in flight.
            #expect(requests.count <= jobs + rounds, "\(requests.count) requests for \(jobs) jobs and \(rounds) kills")
            for index in 1...jobs { #expect(setup.results(of: index).count == 1, "p\(index): \(setup.results(of: index))") }
            #expect(setup.leftovers().isEmpty, "\(setup.leftovers())")
            print("crash test: \(jobs) jobs, \(rounds) kills (\(killsMidJob) mid-job), \(requests.count) requests")
        }
    }

    @Test func sigtermLetsInFlightJobsFinishAndTheRestCompleteAfterRestart() async throws {
        try await withSetup(jobs: 6) { setup in
            setup.stub.setLatency(milliseconds: 1500...1500)
            let daemon = try DaemonProcess(arguments: setup.arguments + ["--concurrency", "2"], log: setup.log)
            #expect(await eventually { setup.stub.generationRequests.count == 2 })
            #expect(await daemon.terminate() == 0, "\(setup.daemonLog)")
            // The two requests in flight finished and were written; nothing else was sent.
            #expect(setup.stub.generationRequests.count == 2)
            let done = (1...6).filter { !setup.results(of: $0).isEmpty }
            #expect(done.count == 2, "\(done)")

            let restarted = try DaemonProcess(arguments: setup.arguments + ["--concurrency", "2"], log: setup.log)
            #expect(await eventually(timeout: .seconds(30)) { (1...6).allSatisfy { !setup.results(of: $0).isEmpty } })
            #expect(await restarted.terminate() == 0, "\(setup.daemonLog.suffix(1500))")
            #expect(setup.stub.generationRequests.count == 6, "nothing was sent twice")
            for index in 1...6 { #expect(setup.results(of: index).count == 1) }
            #expect(setup.leftovers().isEmpty)
        }
    }
}
