import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// A loopback images API, as strict as the real one, for tests and benchmarks.
///
/// Listens on 127.0.0.1 on a free port. Checks the bearer key, the model allow-list and every
/// enum and limit of the provider it plays (``StubProfile``), answers with real images of the
/// requested size and format in `b64_json` or as a `url` it serves itself, reports usage and
/// cost, records every request, and plays scripted faults (``StubFault``).
package final class ImagesAPIStub: Sendable {
    /// The key requests must carry.
    package let apiKey: String
    /// What the stub accepts.
    package let profile: StubProfile
    /// The port it listens on.
    package let port: Int
    private let store: StubStore
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// The base URL clients use: `http://127.0.0.1:PORT/v1`.
    package var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Starts a stub and returns once it listens.
    ///
    /// - Parameter keepsUploads: Whether edit uploads are kept for inspection; without, they are
    ///   counted as they stream in and dropped (for benchmarks that send gigabytes).
    package static func start(profile: StubProfile = .aimlapi, apiKey: String = "test-key-0123456789", keepsUploads: Bool = true) async throws -> ImagesAPIStub {
        let store = StubStore()
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let handler = StubHandler(profile: profile, apiKey: apiKey, store: store, keepsUploads: keepsUploads)
        let router = Router()
        router.post("/v1/images/generations") { request, _ in try await store.answering { try await identified(handler.generation(request)) } }
        router.post("/v1/images/edits") { request, _ in try await store.answering { try await identified(handler.edit(request)) } }
        // As the real APIs do, every answer names its request.
        @Sendable func identified(_ response: Response) -> Response {
            var response = response
            let id = store.withState { state in
                state.nextRequestID += 1
                return state.nextRequestID
            }
            response.headers[HTTPField.Name("x-request-id")!] = "req_stub\(id)"
            return response
        }
        router.get("/v1/models") { request, _ in handler.models(authorization: request.headers[.authorization], path: request.uri.path) }
        router.get("/stub/requests") { _, _ in handler.summary() }
        router.get("/stub/stats") { _, _ in handler.statistics() }
        router.get("/files/:name") { request, context in
            handler.file(named: context.parameters.get("name") ?? "", authorization: request.headers[.authorization])
        }
        var logger = Logger(label: "images-api-stub")
        logger.logLevel = .warning
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let group = ServiceGroup(services: [app], logger: logger)
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw CancellationError()
        }
        return ImagesAPIStub(apiKey: apiKey, profile: profile, port: port, store: store, group: group, task: task)
    }

    private init(apiKey: String, profile: StubProfile, port: Int, store: StubStore, group: ServiceGroup, task: Task<Void, any Error>) {
        self.apiKey = apiKey
        self.profile = profile
        self.port = port
        self.store = store
        self.group = group
        self.task = task
    }

    /// Stops listening, letting requests in flight finish.
    package func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }

    /// Every request so far, in order.
    package var requests: [StubRequest] {
        store.withState { $0.requests }
    }

    /// The edit requests so far.
    package var editRequests: [StubRequest] {
        requests.filter { $0.path == "/v1/images/edits" }
    }

    /// The most generation and edit requests that were answered at once.
    package var maximumInFlight: Int {
        store.withState { $0.maximumInFlight }
    }

    /// The generation requests so far.
    package var generationRequests: [StubRequest] {
        requests.filter { $0.path == "/v1/images/generations" }
    }

    /// Makes every generation take a random time in `milliseconds` before it answers, as a real
    /// API takes seconds to minutes.
    package func setLatency(milliseconds: ClosedRange<Int>) {
        store.withState { $0.latency = milliseconds }
    }

    /// Makes a streamed answer pause this long between its events, so that a test can see the
    /// previews they become.
    package func setStreamInterval(milliseconds: Int) {
        store.withState { $0.streamInterval = .milliseconds(milliseconds) }
    }

    /// Returns when the process receives SIGTERM or SIGINT.
    package func waitForShutdownSignal() async {
        for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) { return }
    }

    /// Makes the first `count` downloads of every result served by `url` fail (a 503, then a
    /// body cut short, by turns) before one succeeds.
    package func failEachDownload(times count: Int) {
        store.withState { $0.failedDownloadsPerFile = count }
    }

    /// The downloads of `url` results so far.
    package var downloadRequests: [StubRequest] {
        requests.filter { $0.path.hasPrefix("/files/") }
    }

    /// Fails requests with no scripted fault at random: these shares with 429 (asking to wait
    /// 0.2 s), with 500, and with a connection dropped halfway through a 200.
    package func failRandomly(rateLimited: Double, serverError: Double, dropped: Double, seed: UInt64 = 1) {
        store.withState {
            $0.randomFaults = StubStore.RandomFaults(rateLimited: rateLimited, serverError: serverError, dropped: dropped, generator: .init(state: seed))
        }
    }

    /// Refuses generations over `limit` at once with 429, as a provider's concurrency limit does.
    package func limitConcurrency(to limit: Int?) {
        store.withState { $0.concurrencyLimit = limit }
    }

    /// How many generations were refused for the concurrency limit.
    package var refusedForConcurrency: Int {
        store.withState { $0.refusedForConcurrency }
    }

    /// The prompt of every generation answered with images: each was billed.
    package var paidPrompts: [String] {
        store.withState { $0.paidPrompts }
    }

    /// Scripts a fault for the generation request of this number (1 for the first).
    package func fail(generation number: Int, with fault: StubFault) {
        store.withState { $0.faultsByNumber[number] = fault }
    }

    /// Lists `model` in `GET /v1/models` with this `shutdown_date` (`YYYY-MM-DD`); nil takes the
    /// date away (a model of the stub's profile is then listed with `null`).
    package func setShutdownDate(_ model: String, _ date: String?) {
        store.withState { $0.shutdownDates[model] = date }
    }

    /// Makes `GET /v1/models` answer 404, as a provider without the endpoint, or list again.
    package func setModelListAvailable(_ available: Bool) {
        store.withState { $0.listsModels = available }
    }

    /// How many times `GET /v1/models` was asked.
    package var modelListRequests: Int {
        store.withState { $0.modelListRequests }
    }

    /// Scripts faults for the next requests, in order.
    package func enqueue(_ faults: StubFault...) {
        store.withState { $0.faults += faults }
    }
}
