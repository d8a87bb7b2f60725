import ArgumentParser
import Foundation
import ImageInboxTestSupport

/// `images-api-stub`: the loopback images-API stub as a process of its own, for system tests
/// that run the daemon elsewhere (under a throwaway systemd). Test use only.
@main
struct StubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images-api-stub",
        abstract: "Serve a strict stub of the images API on 127.0.0.1 until SIGTERM or SIGINT (tests only)."
    )

    @Option(help: "The bearer key requests must carry.")
    var key = "test-key-0123456789"

    @Option(help: "aimlapi or openai.")
    var profile = "aimlapi"

    @Option(name: .customLong("latency-ms"), help: "How long each generation takes.")
    var latency = 0

    @Option(name: .customLong("port-file"), help: "Where to write the port once listening.")
    var portFile: String

    @Option(
        name: .customLong("server-error-on"),
        parsing: .upToNextOption,
        help: "Answer HTTP 500 to these generation requests, counted from 1 (faults for system tests)."
    )
    var serverErrorsOn: [Int] = []

    @Flag(name: .customLong("discard-uploads"), help: "Count edit uploads as they stream in instead of keeping them (benchmarks).")
    var discardUploads = false

    func run() async throws {
        let stub = try await ImagesAPIStub.start(profile: profile == "openai" ? .openai : .aimlapi, apiKey: key, keepsUploads: !discardUploads)
        stub.setLatency(milliseconds: latency...latency)
        for number in serverErrorsOn {
            stub.fail(generation: number, with: .status(500, body: #"{"error":{"message":"The server had an error.","type":"server_error"}}"#))
        }
        try "\(stub.port)\n".write(toFile: portFile, atomically: true, encoding: .utf8)
        await stub.waitForShutdownSignal()
        await stub.stop()
    }
}
