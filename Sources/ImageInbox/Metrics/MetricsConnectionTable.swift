/// Which of the metrics server's connections stay open: at most `capacity`, and at the cap a new
/// connection displaces the one that has waited longest for its next request.
///
/// Every decision is made here, over the connections' identities; ``MetricsConnections`` closes
/// the channels it is told to. Displacing rather than refusing keeps the endpoint reachable:
/// were newcomers refused, a few idle connections (opened again as they time out) would fail
/// every scrape. A connection whose request is being answered is never displaced; when all are,
/// the newcomer is refused.
struct MetricsConnectionTable {
    /// What to do with a connection just accepted.
    enum Admission: Equatable {
        /// Keep it open, after closing the connection `displacing` names, if any.
        case admitted(displacing: ObjectIdentifier?)
        /// Close it: every place holds a request being answered.
        case refused
    }

    private struct Entry {
        let id: ObjectIdentifier
        var answering: Bool
    }

    /// The most connections open at once.
    let capacity: Int

    /// Longest waiting first: in order of admission, and an answered connection moves to the end.
    private var entries: [Entry] = []

    /// - Parameter capacity: The most connections open at once; at least 1.
    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// The connections open.
    var count: Int { entries.count }

    /// Decides about a connection just accepted; when admitted, it is counted as open.
    mutating func admit(_ id: ObjectIdentifier) -> Admission {
        var displaced: ObjectIdentifier?
        if entries.count >= capacity {
            guard let index = entries.firstIndex(where: { !$0.answering }) else { return .refused }
            displaced = entries.remove(at: index).id
        }
        entries.append(Entry(id: id, answering: false))
        return .admitted(displacing: displaced)
    }

    /// Notes that a complete request arrived on `id`: it is not displaced until it is answered.
    mutating func requestReceived(_ id: ObjectIdentifier) {
        guard let index = entries.firstIndex(where: { $0.id == id }) else { return }
        entries[index].answering = true
    }

    /// Notes that `id` was answered and waits for its next request, as the newest to wait.
    mutating func responseSent(_ id: ObjectIdentifier) {
        guard let index = entries.firstIndex(where: { $0.id == id }) else { return }
        var entry = entries.remove(at: index)
        entry.answering = false
        entries.append(entry)
    }

    /// Forgets `id`, closed; a connection already displaced is not counted anyway.
    mutating func remove(_ id: ObjectIdentifier) {
        entries.removeAll { $0.id == id }
    }
}
