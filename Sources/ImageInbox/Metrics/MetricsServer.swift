package import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// Serves `GET /metrics` in Prometheus's text format on ``MetricsAddress``, as a service of the
/// daemon's group: bound at start, closed at graceful shutdown.
///
/// A small NIOHTTP1 handler rather than a web framework: the daemon's memory is a benchmark
/// figure, and one route needs no router. Each scrape asks `render` for the page (which reads
/// the ledger for the gauges) off the event loop.
package final class MetricsServer: Service {
    private let address: MetricsAddress
    private let render: @Sendable () async -> [UInt8]
    private let logger: Logger
    private let onBound: @Sendable (Int) -> Void

    /// - Parameters:
    ///   - render: Makes the page for one scrape.
    ///   - onBound: Called with the port once the listener is bound (the chosen one for port 0).
    package init(
        address: MetricsAddress,
        logger: Logger,
        onBound: @escaping @Sendable (Int) -> Void = { _ in },
        render: @escaping @Sendable () async -> [UInt8]
    ) {
        self.address = address
        self.render = render
        self.logger = logger
        self.onBound = onBound
    }

    package func run() async throws {
        let render = self.render
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(MetricsHandler(render: render))
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
        logger.info("Serving metrics", metadata: ["metrics.url": "http://\(MetricsAddress(host: address.host, port: port))/metrics"])
        onBound(port)
        try? await gracefulShutdown()
        try? await channel.close()
    }
}

/// Answers one connection's requests: the metrics for `GET /metrics`, 404 or 405 otherwise.
private final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let render: @Sendable () async -> [UInt8]
    private var request: HTTPRequestHead?

    init(render: @escaping @Sendable () async -> [UInt8]) {
        self.render = render
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break
        case .end:
            guard let head = request else { return }
            request = nil
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            guard path == "/metrics" else {
                respond(context, head, status: .notFound, body: Array("Not found: the metrics are at /metrics.\n".utf8))
                return
            }
            guard head.method == .GET || head.method == .HEAD else {
                respond(context, head, status: .methodNotAllowed, body: Array("Only GET.\n".utf8))
                return
            }
            let promise = context.eventLoop.makePromise(of: [UInt8].self)
            promise.completeWithTask { [render] in await render() }
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            promise.futureResult.whenSuccess { page in
                let (handler, context) = loopBound.value
                handler.respond(context, head, status: .ok, body: page, contentType: "text/plain; version=0.0.4; charset=utf-8")
            }
        }
    }

    private func respond(
        _ context: ChannelHandlerContext,
        _ request: HTTPRequestHead,
        status: HTTPResponseStatus,
        body: [UInt8],
        contentType: String = "text/plain; charset=utf-8"
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        if !request.isKeepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: request.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let keepAlive = request.isKeepAlive
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { loopBound.value.close(promise: nil) }
        }
    }
}
