import Synchronization

/// What ``ImagesAPIStub`` remembers: requests received, faults still to play, files it serves.
final class StubStore: Sendable {
    struct State {
        var requests: [StubRequest] = []
        var faults: [StubFault] = []
        var files: [String: [UInt8]] = [:]
        var imageCache: [String: [UInt8]] = [:]
        var nextFile = 0
        var latency: ClosedRange<Int> = 0...0
    }

    private let state = Mutex(State())

    func withState<T>(_ body: (inout State) -> T) -> T {
        state.withLock { body(&$0) }
    }
}
