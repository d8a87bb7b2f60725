import NIOCore
import Synchronization

/// The metrics server's open connections: admits each one accepted, closes the one it displaces,
/// and closes them all when the server stops.
///
/// ``MetricsConnectionTable`` decides; this closes. The connections live on several event loops,
/// hence the mutex. Channels are closed outside it: a close on the calling loop runs its close
/// callbacks, and so ``closed(_:)``, at once.
final class MetricsConnections: Sendable {
    private struct State {
        var table: MetricsConnectionTable
        var channels: [ObjectIdentifier: any Channel] = [:]
    }

    private let state: Mutex<State>

    /// - Parameter capacity: The most connections open at once.
    init(capacity: Int) {
        state = Mutex(State(table: MetricsConnectionTable(capacity: capacity)))
    }

    /// Admits `connection`, just accepted, closing the connection it displaces.
    ///
    /// - Returns: False when every open connection has a request being answered: the caller
    ///   closes `connection`, which is not counted.
    func admit(_ connection: any Channel) -> Bool {
        let id = ObjectIdentifier(connection)
        let (admitted, displaced) = state.withLock { state -> (Bool, (any Channel)?) in
            switch state.table.admit(id) {
            case .refused:
                return (false, nil)
            case .admitted(let displacing):
                state.channels[id] = connection
                return (true, displacing.flatMap { state.channels.removeValue(forKey: $0) })
            }
        }
        guard admitted else { return false }
        displaced?.close(promise: nil)
        connection.closeFuture.whenComplete { _ in self.closed(id) }
        return true
    }

    /// Notes that a complete request arrived on `connection`, which is not displaced meanwhile.
    func requestReceived(on connection: any Channel) {
        state.withLock { $0.table.requestReceived(ObjectIdentifier(connection)) }
    }

    /// Notes that `connection` was answered and waits for its next request.
    func responseSent(on connection: any Channel) {
        state.withLock { $0.table.responseSent(ObjectIdentifier(connection)) }
    }

    /// Closes every open connection, as the server stops: they would otherwise wait out their
    /// idle timeout on the shared event loops.
    func closeAll() {
        let channels = state.withLock { state -> [any Channel] in
            let channels = Array(state.channels.values)
            state.channels.removeAll()
            return channels
        }
        for channel in channels { channel.close(promise: nil) }
    }

    private func closed(_ id: ObjectIdentifier) {
        state.withLock { state in
            state.table.remove(id)
            state.channels[id] = nil
        }
    }
}
