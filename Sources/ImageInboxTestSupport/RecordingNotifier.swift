import ImageInbox
import Synchronization

/// A ``ServiceManagerNotifier`` that records what it was told, as `sd_notify` assignments.
package final class RecordingNotifier: ServiceManagerNotifier {
    private let sent = Mutex<[String]>([])
    package let watchdogInterval: Duration?

    package init(watchdogInterval: Duration? = nil) {
        self.watchdogInterval = watchdogInterval
    }

    /// Everything sent so far, one assignment each (`READY=1`, `STATUS=…`).
    package var messages: [String] { sent.withLock { $0 } }

    package func ready(status: String?) { record(["READY=1"] + (status.map { ["STATUS=\($0)"] } ?? [])) }
    package func status(_ line: String) { record(["STATUS=\(line)"]) }
    package func reloading() { record(["RELOADING=1"]) }
    package func stopping() { record(["STOPPING=1"]) }
    package func watchdog() { record(["WATCHDOG=1"]) }

    private func record(_ messages: [String]) {
        sent.withLock { $0 += messages }
    }
}
