import Synchronization

/// What ``ImagesAPIStub`` remembers: requests received, faults still to play, files it serves.
final class StubStore: Sendable {
    struct State {
        var requests: [StubRequest] = []
        var faults: [StubFault] = []
        var files: [String: [UInt8]] = [:]
        var imageCache: [String: [UInt8]] = [:]
        var base64Cache: [String: String] = [:]
        var nextFile = 0
        var latency: ClosedRange<Int> = 0...0
        /// The pause between a stream's events.
        var streamInterval: Duration = .milliseconds(100)
        /// How many downloads of each served file fail before one succeeds.
        var failedDownloadsPerFile = 0
        var downloadsByFile: [String: Int] = [:]
        /// Generation and edit requests being answered now, and the most there ever were at once.
        var inFlight = 0
        var maximumInFlight = 0
        /// Faults for the generation of a given number (1 for the first), before any other.
        var faultsByNumber: [Int: StubFault] = [:]
        var generations = 0
        /// Faults drawn at random for requests with no scripted fault.
        var randomFaults: RandomFaults?
        /// The prompt of every generation answered with images (each one billed).
        var paidPrompts: [String] = []
        var nextRequestID = 0
        /// The most generations answered at once; more are refused with 429.
        var concurrencyLimit: Int?
        /// How many were refused for it.
        var refusedForConcurrency = 0
        /// The shutdown dates `GET /v1/models` lists, by model id.
        var shutdownDates: [String: String] = [:]
        /// Whether `GET /v1/models` lists the models (else it answers 404, as a provider without it).
        var listsModels = true
        /// How many times `GET /v1/models` was asked (kept apart from ``requests``, which tests
        /// count as the images API's).
        var modelListRequests = 0
    }

    /// Rates of faults drawn for each request, from a seeded generator so a run repeats.
    struct RandomFaults {
        var rateLimited: Double
        var serverError: Double
        var dropped: Double
        var generator: SplitMix

        mutating func draw() -> StubFault? {
            let value = Double(generator.next() >> 11) / Double(1 << 53)
            if value < rateLimited {
                return .status(429, body: #"{"message":"Too many requests","statusCode":429}"#, headers: ["Retry-After": "0.2"])
            }
            if value < rateLimited + serverError { return .status(500, body: #"{"message":"Internal server error","statusCode":500}"#) }
            if value < rateLimited + serverError + dropped { return .dropConnection }
            return nil
        }
    }

    /// A small seeded random number generator (SplitMix64).
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private let state = Mutex(State())

    func withState<T>(_ body: (inout State) -> T) -> T {
        state.withLock { body(&$0) }
    }

    /// Counts a request as in flight while `body` answers it.
    func answering<T>(_ body: () async throws -> T) async rethrows -> T {
        state.withLock { state in
            state.inFlight += 1
            state.maximumInFlight = max(state.maximumInFlight, state.inFlight)
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        return try await body()
    }
}
