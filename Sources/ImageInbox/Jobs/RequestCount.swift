import Synchronization

/// The requests one job sent, counted where they go out: whether a job let through a paused
/// queue as its probe asked the API anything at all.
final class RequestCount: Sendable {
    /// The count of the job the current task works on.
    @TaskLocal static var current: RequestCount?

    private let count = Atomic(0)

    /// How many requests were sent.
    var value: Int { count.load(ordering: .relaxed) }

    /// Counts one request.
    func add() {
        count.add(1, ordering: .relaxed)
    }
}
