/// What the daemon tells its service manager (systemd), as the daemon needs it.
///
/// The seam between the daemon's services and `sd_notify`; tests record the calls.
package protocol ServiceManagerNotifier: Sendable {
    /// Startup or a reload is complete.
    func ready(status: String?)
    /// One line for `systemctl status`.
    func status(_ line: String)
    /// A reload has begun.
    func reloading()
    /// Shutdown has begun.
    func stopping()
    /// The daemon is alive.
    func watchdog()
    /// The interval systemd expects watchdog pings within, or nil when it expects none.
    var watchdogInterval: Duration? { get }
}
