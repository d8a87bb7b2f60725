import NIOCore

/// Puts each connection the metrics server accepts through ``MetricsConnections`` before NIO
/// sets it up: one too many displaces the connection waiting longest, or is closed at once.
///
/// A handler on the server channel, ahead of `ServerBootstrap`'s own accept handler, so that a
/// refused connection costs one `accept` and one `close` and never reaches an event loop's
/// registrations.
final class MetricsConnectionLimiter: ChannelInboundHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let connections: MetricsConnections

    /// - Parameter connections: The server's open connections.
    init(connections: MetricsConnections) {
        self.connections = connections
    }

    /// Takes a connection just accepted: passes it on to be set up, or closes it.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let connection = unwrapInboundIn(data)
        guard connections.admit(connection) else {
            connection.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
    }
}
