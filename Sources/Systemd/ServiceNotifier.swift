import CSystemd
import Glibc

/// Tells the service manager about the daemon's state with `sd_notify`.
///
/// Off systemd (no `$NOTIFY_SOCKET`), `sd_notify` returns 0 and nothing happens, so callers
/// never special-case it.
package struct ServiceNotifier: Sendable {
    package init() {}

    /// `READY=1`: startup (or a reload) is complete.
    package func ready(status: String? = nil) {
        send(["READY=1"] + (status.map { ["STATUS=\($0)"] } ?? []))
    }

    /// `STATUS=…`: one line a person reads in `systemctl status`.
    package func status(_ line: String) {
        send(["STATUS=\(line)"])
    }

    /// `STOPPING=1`: shutdown has begun.
    package func stopping() {
        send(["STOPPING=1"])
    }

    /// `RELOADING=1` with `MONOTONIC_USEC`, as `Type=notify-reload` expects: a reload has begun.
    package func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        send(["RELOADING=1", "MONOTONIC_USEC=\(microseconds)"])
    }

    /// `WATCHDOG=1`: the daemon is alive.
    package func watchdog() {
        send(["WATCHDOG=1"])
    }

    /// The watchdog interval systemd expects pings within (`WatchdogSec=`), or nil when off.
    package var watchdogInterval: Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(microseconds))
    }

    private func send(_ assignments: [String]) {
        _ = sd_notify(0, assignments.joined(separator: "\n"))
    }
}
