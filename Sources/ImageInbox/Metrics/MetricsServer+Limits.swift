extension MetricsServer {
    /// What anyone who reaches the metrics port may hold of the daemon.
    ///
    /// The endpoint has no authentication, and its sockets come out of the same file descriptors
    /// the inboxes and the ledger need: 1,121 idle connections once left the daemon unable to open
    /// a prompt, its event loop retrying a failing `accept` at full speed. Prometheus needs one
    /// connection and a few hundred bytes a scrape, so the defaults leave it plenty.
    package struct Limits: Sendable, Equatable {
        /// The most connections open at once (at least 1).
        ///
        /// At the cap, a new connection displaces the open one that has waited longest for its
        /// next request, so idle connections can never lock a scrape out; it is closed at once
        /// only when every open connection has a request being answered.
        package var maximumConnections: Int

        /// How long a connection may take to send a complete request, counted from its connect
        /// or from its last response; it is closed then.
        ///
        /// A deadline rather than an idle timer: bytes trickled in one at a time do not extend it.
        package var idleTimeout: Duration

        /// The largest request head read: the target and the header names and values, in bytes.
        ///
        /// A larger head is answered 400 and the connection closed. A request with a body is
        /// answered (413 when it is otherwise a scrape) and closed without reading the body:
        /// nothing here takes one.
        package var maximumRequestHeadBytes: Int

        /// - Parameters:
        ///   - maximumConnections: Connections open at once; 64 by default.
        ///   - idleTimeout: Time to a complete request; 5 seconds by default.
        ///   - maximumRequestHeadBytes: The largest request head; 8 KiB by default.
        package init(
            maximumConnections: Int = 64,
            idleTimeout: Duration = .seconds(5),
            maximumRequestHeadBytes: Int = 8 * 1024
        ) {
            self.maximumConnections = maximumConnections
            self.idleTimeout = idleTimeout
            self.maximumRequestHeadBytes = maximumRequestHeadBytes
        }
    }
}
