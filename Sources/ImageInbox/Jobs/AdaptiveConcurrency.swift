/// How many requests may be in flight at once, found by the daemon itself: additive increase,
/// multiplicative decrease, between 1 and the configured `concurrency`.
///
/// Each success widens the window by one request per window's worth of successes; a 429 halves
/// it. The 429s of requests sent before the last decrease were answered to the old window, so
/// only the first of a burst counts (the ``epoch`` tells them apart), as TCP does once per
/// round trip.
package struct AdaptiveConcurrency: Sendable, Equatable {
    /// The configured concurrency, the most the window opens to.
    package private(set) var maximum: Int
    /// The window, kept fractional so that it grows by a request per window of successes.
    private var window: Double
    /// Goes up at each decrease: a request remembers the epoch it was sent in.
    package private(set) var epoch = 0

    package init(maximum: Int) {
        self.maximum = max(1, maximum)
        self.window = Double(self.maximum)
    }

    /// Requests that may be in flight now.
    package var limit: Int { min(maximum, max(1, Int(window))) }

    /// A request succeeded.
    ///
    /// - Returns: The new limit, when it changed.
    package mutating func succeeded() -> Int? {
        let before = limit
        window = min(Double(maximum), window + 1 / window)
        return limit != before ? limit : nil
    }

    /// A request sent in `epoch` was rate limited.
    ///
    /// - Returns: The new limit, when it changed.
    package mutating func rateLimited(sentIn epoch: Int) -> Int? {
        guard epoch == self.epoch else { return nil }
        let before = limit
        window = max(1, window / 2)
        self.epoch += 1
        return limit != before ? limit : nil
    }

    /// A reload changed the configured concurrency: the window keeps what it learned, within
    /// the new maximum (a larger one is approached by successes).
    package mutating func setMaximum(_ maximum: Int) {
        self.maximum = max(1, maximum)
        window = min(window, Double(self.maximum))
    }
}
