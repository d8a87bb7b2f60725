import Foundation
package import Logging
import ServiceLifecycle

/// Keeps systemd informed: the `STATUS=` line current, and `WATCHDOG=1` pings at half the
/// watchdog interval, sent only while the watcher's loop is really turning, so that a hung
/// daemon is restarted.
package final class DaemonMonitor: Service {
    private let notifier: any ServiceManagerNotifier
    private let runner: JobRunner
    private let ledger: Ledger
    private let isAlive: @Sendable (Duration) -> Bool
    private let inboxCount: @Sendable () -> Int
    private let note: @Sendable () -> String?
    private let logger: Logger
    private let statusInterval: Duration

    /// - Parameters:
    ///   - isAlive: Whether the watcher's loop turned within the given time.
    ///   - inboxCount: How many inboxes are watched now (a reload may change it).
    ///   - note: News to add to the line, such as a refused reload.
    package init(
        notifier: any ServiceManagerNotifier,
        runner: JobRunner,
        ledger: Ledger,
        isAlive: @escaping @Sendable (Duration) -> Bool,
        inboxCount: @escaping @Sendable () -> Int,
        note: @escaping @Sendable () -> String? = { nil },
        logger: Logger,
        statusInterval: Duration = .seconds(1)
    ) {
        self.notifier = notifier
        self.runner = runner
        self.ledger = ledger
        self.isAlive = isAlive
        self.inboxCount = inboxCount
        self.note = note
        self.logger = logger
        self.statusInterval = statusInterval
    }

    package func run() async throws {
        let watchdog = notifier.watchdogInterval
        if let watchdog { logger.info("Watchdog enabled", metadata: ["watchdog.interval_s": "\(watchdog.components.seconds)"]) }
        let tick = min(statusInterval, (watchdog ?? statusInterval) / 2)
        var lastStatus = ""
        var lastPing = ContinuousClock.now - .seconds(3600)
        while !Task.isCancelledOrShuttingDown {
            let line = await statusLine()
            if line != lastStatus {
                notifier.status(line)
                lastStatus = line
            }
            if let watchdog, ContinuousClock.now - lastPing >= watchdog / 2 {
                if isAlive(watchdog / 2) {
                    notifier.watchdog()
                    lastPing = .now
                } else {
                    logger.warning("The watcher's loop is not turning, watchdog ping withheld")
                }
            }
            try? await Task.sleep(for: tick)
        }
    }

    /// The current `STATUS=` line.
    package func statusLine() async -> String {
        let snapshot = await runner.snapshot()
        let startOfDay = Calendar.current.startOfDay(for: Date())
        let usd = (try? await ledger.cost(since: startOfDay)) ?? 0
        let failed = (try? await ledger.failures(since: startOfDay)) ?? 0
        let line = StatusLine.make(
            inboxes: inboxCount(), queued: snapshot.waiting, running: snapshot.running, failedToday: failed, usdToday: usd, paused: snapshot.paused
        )
        return note().map { "\(line); reload refused: \($0)" } ?? line
    }
}

extension Task where Success == Never, Failure == Never {
    /// Whether the current task was cancelled or the service is shutting down gracefully.
    static var isCancelledOrShuttingDown: Bool {
        isCancelled || isShuttingDownGracefully
    }
}
