import ServiceLifecycle
import Synchronization

/// Tells the service manager that shutdown has begun (`STOPPING=1`), the moment it begins.
///
/// A service group stops its services one at a time, last first, and a service hears of the
/// shutdown only when its turn comes; so this one goes last in the group, to hear first, while
/// the monitor (first in the group, stopped last) keeps `STATUS=` and the watchdog going as
/// the runner drains.
package final class ShutdownNotice: Service {
    private let notifier: any ServiceManagerNotifier
    private let onStopping: @Sendable () -> Void
    private let begun = Mutex(false)

    /// Whether shutdown has begun. The watcher and the runner's queue stop answering the
    /// watchdog's question then, by design: the drain is bounded by the stop timeout instead.
    package var hasBegun: Bool {
        begun.withLock { $0 }
    }

    /// - Parameter onStopping: Called once shutdown has begun, after `STOPPING=1` (for the log).
    package init(notifier: any ServiceManagerNotifier, onStopping: @escaping @Sendable () -> Void = {}) {
        self.notifier = notifier
        self.onStopping = onStopping
    }

    package func run() async throws {
        // Cancelled instead (a service failed, the group is cancelled): nothing is announced, the
        // process exits with the error.
        try await gracefulShutdown()
        begun.withLock { $0 = true }
        notifier.stopping()
        onStopping()
    }
}
