package import Inotify

/// Where the watcher's file events come from: inotify in production, a scripted fake in tests.
///
/// Contract: ``watchTree(_:)`` returns the folders it could not watch (which the watcher then
/// polls). ``eventBatches()`` is called once and delivers events until the consumer stops iterating;
/// an ``InotifyEvent/overflow`` means events were lost and everything must be rescanned.
package protocol FileEventSource: Sendable {
    /// Watches `directory` and everything below it.
    func watchTree(_ directory: String) -> [InotifyEvent]
    /// Stops watching `directory` and everything below it.
    func unwatchTree(_ directory: String)
    /// The events of every watched tree, in the batches they arrived in.
    func eventBatches() -> AsyncStream<[InotifyEvent]>
    /// How many folders are watched now.
    var watchedDirectoryCount: Int { get }
}

extension FileEventSource {
    package var watchedDirectoryCount: Int { 0 }
}

extension InotifyWatcher: FileEventSource {}
