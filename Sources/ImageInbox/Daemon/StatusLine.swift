import Foundation

/// The one line `systemctl status` shows: "watching 2 inboxes; 3 queued, 2 running, 1 failed
/// today; $1.84 today", and why the queue is paused when it is.
package enum StatusLine {
    /// Builds the line.
    ///
    /// - Parameters:
    ///   - retrying: The running jobs waiting to be tried again after failing for now.
    ///   - concurrency: Requests given at once, and the configured most (shown when the API's
    ///     rate limit holds it lower).
    package static func make(
        inboxes: Int,
        queued: Int,
        running: Int,
        retrying: Int = 0,
        failedToday: Int,
        usdToday: Double,
        concurrency: (limit: Int, maximum: Int)? = nil,
        paused: String?
    ) -> String {
        let retries = retrying > 0 ? " (\(retrying) retrying)" : ""
        var line = "watching \(inboxes) inbox\(inboxes == 1 ? "" : "es"); \(queued) queued, \(running) running\(retries), \(failedToday) failed today; "
            + String(format: "$%.2f today", usdToday)
        if let concurrency, concurrency.limit < concurrency.maximum {
            line += "; rate limited: \(concurrency.limit) of \(concurrency.maximum) requests at once"
        }
        if let paused { line += "; paused: \(paused)" }
        return line
    }
}
