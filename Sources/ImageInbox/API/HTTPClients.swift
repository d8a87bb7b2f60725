package import AsyncHTTPClient
import NIOCore
import Synchronization

/// The daemon's HTTP clients, each with a connection pool as large as the concurrency it serves.
///
/// AsyncHTTPClient allows 8 connections per host by default, so a concurrency of 32 would run 8
/// requests and queue the rest inside the client, where they also use up their own timeout. A
/// client's configuration cannot change, so a reload to another concurrency gets a new client.
/// The old one is kept until ``shutdown()``: shutting down a client with requests in flight
/// cancels requests that are already paid for, and an idle client's connections close by
/// themselves after their idle timeout.
package final class HTTPClients: Sendable {
    private struct State {
        var current: (client: HTTPClient, connections: Int)?
        var retired: [HTTPClient] = []
    }

    private let state = Mutex(State())

    package init() {}

    /// A client whose pool holds `concurrency` connections per host.
    package func client(concurrency: Int) -> HTTPClient {
        state.withLock { state in
            if let current = state.current, current.connections == concurrency { return current.client }
            if let current = state.current { state.retired.append(current.client) }
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool = .init(
                idleTimeout: .seconds(60),
                concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, concurrency)
            )
            // No tracer is ever bootstrapped: without this, every request still builds a no-op
            // span's attributes (a URL parse among them).
            configuration.tracing.tracer = nil
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            state.current = (client, concurrency)
            return client
        }
    }

    /// Shuts every client down; call once no request is in flight any more.
    package func shutdown() async throws {
        let clients = state.withLock { state -> [HTTPClient] in
            defer { state = State() }
            return (state.current.map { [$0.client] } ?? []) + state.retired
        }
        for client in clients { try await client.shutdown() }
    }
}
