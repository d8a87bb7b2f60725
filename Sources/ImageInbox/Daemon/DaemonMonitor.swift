import Foundation
package import Logging
import ServiceLifecycle

/// Keeps systemd informed: the `STATUS=` line sent whenever what it says changed, and
/// `WATCHDOG=1` pings at half the watchdog interval, sent only while the watcher and the runner
/// still answer, so that a hung daemon is restarted; and the facts `image-inbox status` reads
/// from the ledger (the polled mounts), published when they change.
///
/// Nothing here runs on a timer: a status change arrives on `changes` (bursts coalesced to one
/// line per ``statusCoalescing``), and the only deadlines are the next watchdog ping (when
/// `WatchdogSec` is set) and midnight, when the day's figures start again.
package final class DaemonMonitor: Service {
    private enum Wake: Sendable {
        case changed
        case deadline
    }

    private let notifier: any ServiceManagerNotifier
    private let runner: JobRunner
    private let ledger: any JobLedger
    private let changes: AsyncStream<Void>
    private let isAlive: @Sendable () async -> Bool
    private let inboxCount: @Sendable () -> Int
    private let polledMounts: @Sendable () -> [MountTable.Mount]
    private let notes: @Sendable () -> [String]
    private let logger: Logger
    private let statusCoalescing: Duration

    /// - Parameters:
    ///   - changes: An element whenever the line may have changed (the queue moved, a job
    ///     finished, a reload was applied or refused).
    ///   - isAlive: Whether the watcher's loop and the runner still take work (asked once per
    ///     half watchdog interval).
    ///   - inboxCount: How many inboxes are watched now (a reload may change it).
    ///   - polledMounts: The mounts inside inboxes that are polled, for `status`.
    ///   - notes: News to add to the line, such as a refused reload or inboxes polled since
    ///     inotify failed.
    ///   - statusCoalescing: The least time between two `STATUS=` lines.
    package init(
        notifier: any ServiceManagerNotifier,
        runner: JobRunner,
        ledger: any JobLedger,
        changes: AsyncStream<Void>,
        isAlive: @escaping @Sendable () async -> Bool,
        inboxCount: @escaping @Sendable () -> Int,
        polledMounts: @escaping @Sendable () -> [MountTable.Mount] = { [] },
        notes: @escaping @Sendable () -> [String] = { [] },
        logger: Logger,
        statusCoalescing: Duration = .milliseconds(250)
    ) {
        self.notifier = notifier
        self.runner = runner
        self.ledger = ledger
        self.changes = changes
        self.isAlive = isAlive
        self.inboxCount = inboxCount
        self.polledMounts = polledMounts
        self.notes = notes
        self.logger = logger
        self.statusCoalescing = statusCoalescing
    }

    package func run() async throws {
        let clock = ContinuousClock()
        let watchdog = notifier.watchdogInterval
        if let watchdog { logger.info("Watchdog enabled", metadata: ["watchdog.interval_s": "\(watchdog.components.seconds)"]) }
        let alarm = DeadlineAlarm(clock: clock)
        let (wakes, wake) = AsyncStream.makeStream(of: Wake.self)
        await withDiscardingTaskGroup { group in
            group.addTask { [changes] in
                for await _ in changes { wake.yield(.changed) }
            }
            group.addTask { await alarm.run { wake.yield(.deadline) } }
            var lastStatus = ""
            // Nil at start, so that the first publication replaces a previous run's.
            var publishedMounts: [MountTable.Mount]?
            var schedule = MonitorSchedule(now: clock.now, coalescing: statusCoalescing, watchdog: watchdog, untilMidnight: Self.durationUntilMidnight())
            wake.yield(.deadline)
            for await event in wakes.cancelOnGracefulShutdown() {
                let now = clock.now
                if event == .changed { schedule.changed(now: now) }
                let due = schedule.take(now: now, untilMidnight: Self.durationUntilMidnight())
                if due.status {
                    let line = await statusLine()
                    if line != lastStatus {
                        notifier.status(line)
                        lastStatus = line
                    }
                    let mounts = polledMounts()
                    if mounts != publishedMounts, await publish(mounts) { publishedMounts = mounts }
                }
                if due.ping {
                    if await isAlive() {
                        notifier.watchdog()
                    } else {
                        logger.warning("The watcher or the runner is not answering, watchdog ping withheld")
                    }
                }
                alarm.wake(at: schedule.nextDeadline)
            }
            group.cancelAll()
        }
    }

    /// The current `STATUS=` line.
    package func statusLine() async -> String {
        let snapshot = await runner.snapshot()
        let startOfDay = LocalDay.start(of: Date())
        let (usd, failed) = (try? await ledger.figures(since: startOfDay)) ?? (0, 0)
        let line = StatusLine.make(
            inboxes: inboxCount(), queued: snapshot.waiting, running: snapshot.running, retrying: snapshot.retrying, failedToday: failed, usdToday: usd,
            concurrency: (snapshot.concurrency, snapshot.maximumConcurrency), paused: snapshot.paused
        )
        return ([line] + notes()).joined(separator: "; ")
    }

    /// Records the polled mounts in the ledger for `status`; false when the ledger refused.
    private func publish(_ mounts: [MountTable.Mount]) async -> Bool {
        let value = mounts.isEmpty ? nil : (try? JSONEncoder().encode(mounts)).map { String(decoding: $0, as: UTF8.self) }
        do {
            try await ledger.setDaemonState(StatusReport.polledMountsKey, value, now: Date())
            return true
        } catch {
            // The next status change tries again.
            return false
        }
    }

    private static func durationUntilMidnight() -> Duration {
        let now = Date()
        return .milliseconds(Int64(max(1, LocalDay.end(of: now).timeIntervalSince(now)) * 1000))
    }
}
