package import Logging
import ServiceLifecycle
import Synchronization

/// Reloads the configuration on each signal (SIGHUP): systemd hears `RELOADING=1`, the new
/// configuration is read and validated, applied without dropping queued or running jobs, and
/// `READY=1` follows. An invalid configuration is refused: the current one stays, and the log
/// and `STATUS=` say why.
package final class ConfigurationReloader<Signals: AsyncSequence & Sendable>: Service where Signals.Failure == Never, Signals.Element: Sendable {
    private let signals: Signals
    private let load: @Sendable () async throws -> DaemonConfiguration
    private let apply: @Sendable (DaemonConfiguration) async -> Void
    private let notifier: any ServiceManagerNotifier
    private let logger: Logger
    private let onAttempt: @Sendable () -> Void
    private let refusal = Mutex<String?>(nil)

    /// - Parameters:
    ///   - signals: One element per reload request.
    ///   - load: Reads and validates the configuration (file, environment, flags).
    ///   - apply: Hands a valid configuration to the running services.
    ///   - onAttempt: Called after each reload, applied or refused (the status line changes).
    package init(
        signals: Signals,
        load: @escaping @Sendable () async throws -> DaemonConfiguration,
        apply: @escaping @Sendable (DaemonConfiguration) async -> Void,
        notifier: any ServiceManagerNotifier,
        logger: Logger,
        onAttempt: @escaping @Sendable () -> Void = {}
    ) {
        self.signals = signals
        self.load = load
        self.apply = apply
        self.notifier = notifier
        self.logger = logger
        self.onAttempt = onAttempt
    }

    /// Why the last reload was refused, while that is the latest news.
    package var lastRefusal: String? {
        refusal.withLock { $0 }
    }

    package func run() async throws {
        for await _ in signals.cancelOnGracefulShutdown() {
            notifier.reloading()
            do {
                let configuration = try await load()
                await apply(configuration)
                refusal.withLock { $0 = nil }
                logger.notice("Configuration reloaded", metadata: ["inboxes": "\(configuration.inboxes.count)"])
                notifier.ready(status: nil)
            } catch {
                let reason = (error as? ImageInboxError)?.message ?? "\(error)"
                refusal.withLock { $0 = reason }
                logger.error("Configuration reload refused, keeping the current configuration", metadata: ["error": "\(reason)"])
                notifier.ready(status: "reload refused: \(reason)")
            }
            onAttempt()
        }
    }
}
