import NIOCore
import NIOHTTP1

/// Answers one connection's requests: the page for `GET` or `HEAD /metrics`, 404 for any other
/// path, 405 (with `Allow: GET, HEAD`) for any other method, 413 for a scrape with a body.
///
/// The connection is closed when its next request is not complete within the idle timeout
/// (from the connect or the last response), after answering a request that brings a body (the
/// body is never read), and on any error: a request head that is malformed or over the limit has
/// been answered 400 by NIO's `HTTPServerProtocolErrorHandler` by then. ``MetricsConnections``
/// hears when a request is being answered, so that the connection is not displaced meanwhile.
/// NIO's `HTTPServerPipelineHandler` holds a pipelined request back until the previous one is
/// answered, so answers go out in order.
final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        /// Waiting for a request head.
        case waiting
        /// A head without a body arrived; its end is next.
        case receiving(HTTPRequestHead)
        /// The request is being answered.
        case answering
        /// The connection is being closed; whatever else arrives is dropped.
        case closing
    }

    private enum Route {
        case page
        case notFound
        case methodNotAllowed
    }

    private let render: @Sendable () async -> [UInt8]
    private let connections: MetricsConnections
    private let idleTimeout: TimeAmount
    private var state = State.waiting
    private var idleDeadline: Scheduled<Void>?

    /// - Parameters:
    ///   - render: Makes the page for one scrape.
    ///   - connections: The server's open connections, told when a request is being answered.
    ///   - idleTimeout: Time to a complete request, from the connect or the last response.
    init(render: @escaping @Sendable () async -> [UInt8], connections: MetricsConnections, idleTimeout: TimeAmount) {
        self.render = render
        self.connections = connections
        self.idleTimeout = idleTimeout
    }

    /// Starts the idle timeout when added to a connection already open.
    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armIdleDeadline(context) }
    }

    /// Starts the idle timeout for the first request.
    func channelActive(context: ChannelHandlerContext) {
        armIdleDeadline(context)
        context.fireChannelActive()
    }

    /// Stops the idle timeout.
    func channelInactive(context: ChannelHandlerContext) {
        idleDeadline?.cancel()
        idleDeadline = nil
        state = .closing
        context.fireChannelInactive()
    }

    /// Closes the connection: after a malformed or oversized request head, or a broken connection.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        state = .closing
        context.close(promise: nil)
    }

    /// Takes a request part: answers at its end, or at its head when a body follows.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch (state, part) {
        case (.closing, _):
            break
        case (.waiting, .head(let head)):
            if Self.bringsBody(head) {
                // Nothing here takes a body: answer, then close rather than read it.
                state = .closing
                answer(context, head, route: Self.route(head), closing: true)
            } else {
                state = .receiving(head)
            }
        case (.receiving(let head), .end):
            idleDeadline?.cancel()
            idleDeadline = nil
            state = .answering
            connections.requestReceived(on: context.channel)
            answer(context, head, route: Self.route(head), closing: false)
        case (.receiving(let head), .body):
            // Only a body its head did not announce; refused as one that was.
            state = .closing
            answer(context, head, route: Self.route(head), closing: true)
        case (.waiting, _), (.receiving, .head), (.answering, _):
            // Out of order: HTTPServerPipelineHandler lets one request in at a time.
            state = .closing
            context.close(promise: nil)
        }
    }

    private func answer(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, route: Route, closing: Bool) {
        switch route {
        case .notFound:
            let body = Array("Not found: the metrics are at /metrics.\n".utf8)
            respond(context, head, status: .notFound, body: body, closing: closing)
        case .methodNotAllowed:
            respond(
                context, head, status: .methodNotAllowed, body: Array("Only GET and HEAD.\n".utf8),
                extraHeaders: [("Allow", "GET, HEAD")], closing: closing
            )
        case .page where closing:
            respond(context, head, status: .payloadTooLarge, body: Array("A scrape has no body.\n".utf8), closing: true)
        case .page:
            let promise = context.eventLoop.makePromise(of: [UInt8].self)
            promise.completeWithTask { [render] in await render() }
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            promise.futureResult.whenSuccess { page in
                let (handler, context) = loopBound.value
                // The client may have gone while the page was made.
                guard context.channel.isActive else { return }
                handler.respond(
                    context, head, status: .ok, body: page, contentType: "text/plain; version=0.0.4; charset=utf-8",
                    closing: false
                )
            }
        }
    }

    private func respond(
        _ context: ChannelHandlerContext,
        _ request: HTTPRequestHead,
        status: HTTPResponseStatus,
        body: [UInt8],
        contentType: String = "text/plain; charset=utf-8",
        extraHeaders: [(String, String)] = [],
        closing: Bool
    ) {
        let closing = closing || !request.isKeepAlive
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        if closing { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: request.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        if closing {
            state = .closing
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        } else {
            // Before the end is written: writing it lets a pipelined request in at once.
            state = .waiting
            connections.responseSent(on: context.channel)
            armIdleDeadline(context)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    private func armIdleDeadline(_ context: ChannelHandlerContext) {
        idleDeadline?.cancel()
        let channel = context.channel
        idleDeadline = context.eventLoop.scheduleTask(in: idleTimeout) { channel.close(promise: nil) }
    }

    private static func route(_ head: HTTPRequestHead) -> Route {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard path == "/metrics" else { return .notFound }
        guard head.method == .GET || head.method == .HEAD else { return .methodNotAllowed }
        return .page
    }

    /// Whether the head announces a body: any `Transfer-Encoding`, or a `Content-Length` other than 0.
    private static func bringsBody(_ head: HTTPRequestHead) -> Bool {
        head.headers.contains(name: "Transfer-Encoding") || head.headers["Content-Length"].contains { Int($0) != 0 }
    }
}
