import GRDB
import Synchronization

/// Commits the ledger writes that arrive while another commit runs together, in one transaction.
///
/// With 32 jobs in flight, jobs start and finish at nearly the same moments; one transaction (and
/// one WAL append) per change made SQLite's writer the daemon's busiest thread. Each write of a
/// batch runs in a savepoint of its own, so one that fails is rolled back alone and its caller
/// gets its error; the others commit (a write alone is the transaction). A caller returns only
/// once its write is committed.
///
/// A write is durable (synced to disk before its caller goes on) unless it says it may be lost:
/// a batch of such writes alone is committed without a sync, and the next durable commit syncs
/// it too (the WAL is written in order).
final class GroupCommit: Sendable {
    private struct State {
        var waiting: [any GroupCommitEntry] = []
        var committing = false
        /// Whether the connection syncs its commits now (the ledger opens it so); nil when a
        /// failed commit left it unknown.
        var syncing: Bool? = true
    }

    private let database: any DatabaseWriter
    private let state = Mutex(State())
    private let metrics: DaemonMetrics?

    init(database: any DatabaseWriter, metrics: DaemonMetrics? = nil) {
        self.database = database
        self.metrics = metrics
    }

    /// Runs `body` in the next transaction and returns its result once that transaction committed.
    ///
    /// - Parameter durable: false for a write whose loss in a power cut costs no money: a queued
    ///   job or a cancellation (the next start's scan finds the file again), a bundle's wait
    ///   (it starts again), a published daemon fact (published again). It then waits for no sync.
    func write<T: Sendable>(durable: Bool = true, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let entry = Entry(durable: durable, body)
        let started = metrics == nil ? nil : ContinuousClock.now
        defer { if let started { metrics?.ledgerWrite(seconds: (ContinuousClock.now - started).seconds) } }
        let leads = state.withLock { state -> Bool in
            state.waiting.append(entry)
            defer { state.committing = true }
            return !state.committing
        }
        // The first writer to find no commit running commits for everyone waiting, until none waits.
        if leads { await commitWaiting() }
        return try await entry.value()
    }

    private func commitWaiting() async {
        while true {
            let batch = state.withLock { state -> [any GroupCommitEntry] in
                defer { state.waiting = [] }
                if state.waiting.isEmpty { state.committing = false }
                return state.waiting
            }
            guard !batch.isEmpty else { return }
            let durable = batch.contains { $0.durable }
            // Only this loop commits, one batch at a time: the flag is the connection's setting.
            let syncing = state.withLock { state in
                defer { state.syncing = nil }
                return state.syncing
            }
            do {
                try await database.writeWithoutTransaction { db in
                    if syncing != durable { try db.execute(sql: durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL") }
                    try db.inTransaction {
                        // A write alone in its transaction needs no savepoint: the transaction is
                        // its rollback (two statements fewer for every write of a quiet daemon).
                        if batch.count == 1 {
                            try batch[0].runAlone(db)
                        } else {
                            for entry in batch { entry.run(db) }
                        }
                        return .commit
                    }
                }
                state.withLock { $0.syncing = durable }
                for entry in batch { entry.finish(commitError: nil) }
            } catch {
                for entry in batch { entry.finish(commitError: error) }
            }
        }
    }
}

/// One write waiting for its commit.
private protocol GroupCommitEntry: Sendable {
    /// Whether the commit must be synced before the caller goes on.
    var durable: Bool { get }
    /// Runs the write in a savepoint of its own, keeping its result or error.
    func run(_ db: Database)
    /// Runs the write as the whole transaction, keeping its result; its error rolls it back.
    func runAlone(_ db: Database) throws
    /// Hands the kept result (or the commit's error) to the caller.
    func finish(commitError: (any Error)?)
}

private final class Entry<T: Sendable>: GroupCommitEntry {
    private struct State {
        var result: Result<T, any Error>?
        var finished = false
        var waiter: CheckedContinuation<T, any Error>?
    }

    let durable: Bool
    private let body: @Sendable (Database) throws -> T
    private let state = Mutex(State())

    init(durable: Bool, _ body: @escaping @Sendable (Database) throws -> T) {
        self.durable = durable
        self.body = body
    }

    func run(_ db: Database) {
        var result: Result<T, any Error> = .failure(CancellationError())
        do {
            try db.inSavepoint {
                result = .success(try body(db))
                return .commit
            }
        } catch {
            result = .failure(error)
        }
        state.withLock { $0.result = result }
    }

    func runAlone(_ db: Database) throws {
        let value = try body(db)
        state.withLock { $0.result = .success(value) }
    }

    func finish(commitError: (any Error)?) {
        let (waiter, result) = state.withLock { state -> (CheckedContinuation<T, any Error>?, Result<T, any Error>) in
            if let commitError { state.result = .failure(commitError) }
            state.finished = true
            defer { state.waiter = nil }
            return (state.waiter, state.result ?? .failure(CancellationError()))
        }
        waiter?.resume(with: result)
    }

    func value() async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let result = state.withLock { state -> Result<T, any Error>? in
                guard state.finished else {
                    state.waiter = continuation
                    return nil
                }
                return state.result ?? .failure(CancellationError())
            }
            if let result { continuation.resume(with: result) }
        }
    }
}
