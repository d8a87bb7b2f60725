import CSystemd

/// Tells the service manager about the daemon's state with `sd_notify`.
///
/// Off systemd (no `$NOTIFY_SOCKET`), `sd_notify` returns 0 and nothing happens, so callers
/// never special-case it.
package struct ServiceNotifier: Sendable {
    package init() {}

    /// `READY=1`: startup is complete.
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

    private func send(_ assignments: [String]) {
        _ = sd_notify(0, assignments.joined(separator: "\n"))
    }
}
