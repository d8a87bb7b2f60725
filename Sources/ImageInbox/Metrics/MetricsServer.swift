package import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// Serves `GET /metrics` in Prometheus's text format on ``MetricsAddress``, as a service of the
/// daemon's group: bound at start, closed (with every connection) at graceful shutdown.
///
/// A small NIOHTTP1 handler rather than a web framework: the daemon's memory is a benchmark
/// figure, and one route needs no router. Each scrape asks `render` for the page (which reads
/// the ledger for the gauges) off the event loop. Whoever reaches the port holds no more than
/// ``Limits`` allows: a few connections, each for a few seconds without a request, each
/// request small and without a body.
package final class MetricsServer: Service {
    private let address: MetricsAddress
    private let limits: Limits
    private let render: @Sendable () async -> [UInt8]
    private let logger: Logger
    private let onBound: @Sendable (Int) -> Void

    /// - Parameters:
    ///   - limits: What a connection may hold; the defaults suit any Prometheus.
    ///   - render: Makes the page for one scrape.
    ///   - onBound: Called with the port once the listener is bound (the chosen one for port 0).
    package init(
        address: MetricsAddress,
        limits: Limits = Limits(),
        logger: Logger,
        onBound: @escaping @Sendable (Int) -> Void = { _ in },
        render: @escaping @Sendable () async -> [UInt8]
    ) {
        self.address = address
        self.limits = limits
        self.render = render
        self.logger = logger
        self.onBound = onBound
    }

    package func run() async throws {
        let render = self.render
        let connections = MetricsConnections(capacity: limits.maximumConnections)
        let idleTimeout = TimeAmount(limits.idleTimeout)
        let decoderLimits = Self.decoderLimits(limits)
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // NIO 2.101 adds an AcceptBackoffHandler only when binding through the async
                        // API, not through this future-returning `bind`. Without one, an `accept`
                        // failing with EMFILE (which NIO does not treat as fatal) leaves the listening
                        // socket readable, and its event loop retries at once, forever: a spinning
                        // daemon. With it, accepting pauses for a second after such an error.
                        try channel.pipeline.syncOperations.addHandler(AcceptBackoffHandler(shouldForwardIOErrorCaught: false))
                        try channel.pipeline.syncOperations.addHandler(MetricsConnectionLimiter(connections: connections))
                    }
                }
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                            withErrorHandling: true,
                            withEncoderConfiguration: .init(),
                            withDecoderLimitConfiguration: decoderLimits
                        )
                        let handler = MetricsHandler(render: render, connections: connections, idleTimeout: idleTimeout)
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .bind(host: address.host, port: address.port)
                .get()
        } catch {
            // Metrics are for the operators; the images go on without them.
            logger.error("Can't serve metrics, running without them", metadata: ["metrics.address": "\(address)", "error": "\(error)"])
            try? await gracefulShutdown()
            return
        }
        let port = channel.localAddress?.port ?? address.port
        logger.info(
            "Serving metrics",
            metadata: [
                "metrics.url": "http://\(MetricsAddress(host: address.host, port: port))/metrics",
                "metrics.max_connections": "\(limits.maximumConnections)",
            ]
        )
        onBound(port)
        try? await gracefulShutdown()
        try? await channel.close()
        connections.closeAll()
    }

    /// NIO's parser counts the request target and the header names and values against its
    /// limits, which is what a large request head is made of.
    private static func decoderLimits(_ limits: Limits) -> NIOHTTPDecoderLimitConfiguration {
        var configuration = NIOHTTPDecoderLimitConfiguration()
        configuration.maxHeaderFieldSize = limits.maximumRequestHeadBytes
        configuration.maxHeaderListSize = limits.maximumRequestHeadBytes
        return configuration
    }
}
