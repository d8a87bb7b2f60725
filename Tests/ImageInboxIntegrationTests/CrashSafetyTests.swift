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
            return names.filter { $0.hasPrefix(".") || $0.hasSuffix(".tmp") || $0.hasSuffix(".error.txt") }
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

    @Test func killedAtRandomMomentsEverySourceGetsExactlyOneResult() async throws {
        let jobs = 100
        try await withSetup(jobs: jobs) { setup in
            setup.stub.setLatency(milliseconds: 50...250)
            var kills = 0
            // At most 40 rounds of 0.3–1.2 s each, so the loop is bounded in count and time.
            for _ in 0..<40 where kills < 12 {
                let daemon = try DaemonProcess(arguments: setup.arguments + ["--concurrency", "1"], log: setup.log)
                try await Task.sleep(for: .milliseconds(Int.random(in: 300...1200)))
                daemon.kill()
                kills += 1
            }
            let daemon = try DaemonProcess(arguments: setup.arguments + ["--concurrency", "1"], log: setup.log)
            let finished = await eventually(timeout: .seconds(120)) { (1...jobs).allSatisfy { !setup.results(of: $0).isEmpty } }
            let status = await daemon.terminate()
            #expect(status == 0, "exit \(String(describing: status)): \(setup.daemonLog.suffix(1500))")
            #expect(finished, "\(setup.daemonLog.suffix(2000))")

            #expect(kills >= 10)
            for index in 1...jobs {
                #expect(setup.results(of: index).count == 1, "p\(index): \(setup.results(of: index))")
            }
            #expect(setup.leftovers().isEmpty, "\(setup.leftovers())")
            let requests = setup.stub.generationRequests.count
            #expect(requests <= jobs + kills, "\(requests) requests for \(jobs) jobs and \(kills) kills")
            #expect(requests >= jobs)
            print("crash test: \(jobs) jobs, \(kills) kills, \(requests) requests")
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
