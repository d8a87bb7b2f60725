import ImageInbox
package import Inotify
import Synchronization

/// A ``FileEventSource`` whose events a test sends by hand, and which can claim that some
/// folders could not be watched.
package final class ScriptedEventSource: FileEventSource {
    private let stream: AsyncStream<[InotifyEvent]>
    private let continuation: AsyncStream<[InotifyEvent]>.Continuation
    private let unwatchable: Set<String>
    private let watched = Mutex<[String]>([])

    /// - Parameter unwatchable: Folders ``watchTree(_:)`` reports as over the watch limit.
    package init(unwatchable: Set<String> = []) {
        (stream, continuation) = AsyncStream.makeStream(of: [InotifyEvent].self)
        self.unwatchable = unwatchable
    }

    /// The trees the watcher asked to watch.
    package var watchedTrees: [String] { watched.withLock { $0 } }

    package func watchTree(_ directory: String) -> [InotifyEvent] {
        watched.withLock { $0.append(directory) }
        return unwatchable.sorted().map {
            .unwatched(directory: $0, reason: InotifyError(code: .watchLimitReached, message: "scripted watch limit", errno: 28))
        }
    }

    package func unwatchTree(_ directory: String) {
        watched.withLock { $0.removeAll { $0 == directory } }
    }

    package func eventBatches() -> AsyncStream<[InotifyEvent]> { stream }

    /// Delivers an event to the watcher.
    package func send(_ event: InotifyEvent) {
        continuation.yield([event])
    }

    /// Ends the events, as a failed read of the inotify descriptor does.
    package func finish() {
        continuation.finish()
    }
}
