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
        /// How many downloads of each served file fail before one succeeds.
        var failedDownloadsPerFile = 0
        var downloadsByFile: [String: Int] = [:]
        /// Generation and edit requests being answered now, and the most there ever were at once.
        var inFlight = 0
        var maximumInFlight = 0
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
