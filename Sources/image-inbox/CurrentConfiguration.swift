import ImageInbox
import Synchronization

/// The configuration in force, replaced by each reload.
final class CurrentConfiguration: Sendable {
    private let storage: Mutex<DaemonConfiguration>

    init(_ configuration: DaemonConfiguration) {
        storage = Mutex(configuration)
    }

    var value: DaemonConfiguration {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
