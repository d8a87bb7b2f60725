/// Why the queue is paused, in the few words a metric's label and an alert can use (the log
/// and `STATUS=` say it in full).
package enum PauseCause: String, Sendable, CaseIterable {
    /// The API refused the key (HTTP 401): someone must fix the key file.
    case auth
    /// The account has no credit or reached its billing limit.
    case billing
    /// Today's spend reached `max_usd_per_day`; the queue goes on at midnight.
    case budget
    /// The API asked every request to wait for minutes.
    case rateLimit = "rate_limit"
    /// The ledger could not be read (the budget could not be checked) or written (a job could
    /// not be claimed).
    case ledger
    /// The results held for inboxes that are away reached their limit on the state disk.
    case heldResults = "held_results"
    /// Another host sharing the ledger paused every host's queue (its log says why); it probes
    /// the API for all.
    case otherHost = "other_host"
}
