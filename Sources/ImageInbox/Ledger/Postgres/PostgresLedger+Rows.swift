import Foundation
import PostgresNIO

// The stores only read, lock and write rows; what a job becomes is JobLifecycle's.
extension PostgresLedger {
    static let columns = """
        id, inbox, path, content_key, kind, state, parameters, attempts, requeues, manual_retries, error_code, last_error, outputs, \
        usd_spent, cost_is_estimate, input_tokens, output_tokens, failing_since, next_attempt_at, request_id, pending_downloads, \
        claimed_by, created_at, updated_at
        """

    /// The job of a row, by its source path on this host.
    func record(_ row: PostgresRow) throws -> JobRecord {
        let cells = row.makeRandomAccess()
        let local = inboxes.local(inbox: try cells["inbox"].decode(String.self), path: Array(try cells["path"].decode(Data.self)))
        var record = JobRecord(
            id: try cells["id"].decode(String.self),
            sourcePath: local.sourcePath,
            inbox: local.inbox,
            contentHash: try cells["content_key"].decode(String.self),
            kind: try cells["kind"].decode(String.self),
            state: JobState(rawValue: try cells["state"].decode(String.self)) ?? .failed,
            now: try cells["created_at"].decode(Date.self)
        )
        record.parameters = try cells["parameters"].decode(String?.self)
        record.attempts = try cells["attempts"].decode(Int.self)
        record.requeues = try cells["requeues"].decode(Int.self)
        record.manualRetries = try cells["manual_retries"].decode(Int.self)
        record.errorCode = try cells["error_code"].decode(String?.self)
        record.lastError = try cells["last_error"].decode(String?.self)
        record.outputs = try cells["outputs"].decode(String.self)
        record.usdSpent = try cells["usd_spent"].decode(Double?.self)
        record.costIsEstimate = try cells["cost_is_estimate"].decode(Bool.self)
        record.inputTokens = try cells["input_tokens"].decode(Int?.self)
        record.outputTokens = try cells["output_tokens"].decode(Int?.self)
        record.failingSince = try cells["failing_since"].decode(Date?.self)
        record.nextAttemptAt = try cells["next_attempt_at"].decode(Date?.self)
        record.requestID = try cells["request_id"].decode(String?.self)
        record.pendingDownloads = try cells["pending_downloads"].decode(String?.self)
        record.claimedBy = try cells["claimed_by"].decode(String?.self)
        record.updatedAt = try cells["updated_at"].decode(Date.self)
        return record
    }

    /// The rows of a query, as jobs.
    func records(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [JobRecord] {
        var records: [JobRecord] = []
        for try await row in try await connection.query(query, logger: logger) { records.append(try record(row)) }
        return records
    }

    /// The rows of a query on any connection of the pool, as jobs.
    func records(_ query: PostgresQuery) async throws -> [JobRecord] {
        try await client.withConnection { connection in try await self.records(query, on: connection) }
    }

    /// The ledger's key of a source path on this host.
    func key(_ sourcePath: String) throws -> (inbox: String, path: Data) {
        guard let key = inboxes.key(of: sourcePath) else {
            throw ImageInboxError(code: .ledgerFailed, message: "The file \(sourcePath) is in no inbox of this host, so the shared ledger has no key for it.")
        }
        return (key.inbox, Data(key.path))
    }

    /// Writes a new job; false when another host wrote its key first.
    func insert(_ record: JobRecord, on connection: PostgresConnection) async throws -> Bool {
        let (inbox, path) = try key(record.sourcePath)
        let rows = try await connection.query(
            """
            INSERT INTO job (\(unescaped: Self.columns)) VALUES (
            \(record.id), \(inbox), \(path), \(record.contentHash), \(record.kind), \(record.state.rawValue), \(record.parameters),
            \(record.attempts), \(record.requeues), \(record.manualRetries), \(record.errorCode), \(record.lastError), \(record.outputs),
            \(record.usdSpent), \(record.costIsEstimate), \(record.inputTokens), \(record.outputTokens), \(record.failingSince),
            \(record.nextAttemptAt), \(record.requestID), \(record.pendingDownloads), \(record.claimedBy), \(record.createdAt), \(record.updatedAt))
            ON CONFLICT (inbox, path, content_key) DO NOTHING RETURNING id
            """,
            logger: logger
        )
        return try await !rows.collect().isEmpty
    }

    /// Writes what changed in a job (everything but its key).
    func update(_ record: JobRecord, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE job SET state = \(record.state.rawValue), parameters = \(record.parameters), attempts = \(record.attempts),
            requeues = \(record.requeues), manual_retries = \(record.manualRetries), error_code = \(record.errorCode),
            last_error = \(record.lastError), outputs = \(record.outputs), usd_spent = \(record.usdSpent),
            cost_is_estimate = \(record.costIsEstimate), input_tokens = \(record.inputTokens), output_tokens = \(record.outputTokens),
            failing_since = \(record.failingSince), next_attempt_at = \(record.nextAttemptAt), request_id = \(record.requestID),
            pending_downloads = \(record.pendingDownloads), claimed_by = \(record.claimedBy), updated_at = \(record.updatedAt)
            WHERE id = \(record.id)
            """,
            logger: logger
        )
    }

    /// The job of a source content, locked for this transaction; nil when there is none or
    /// another transaction holds it (`skipLocked`).
    func lockedJob(_ sourcePath: String, _ contentKey: String, skipLocked: Bool = false, on connection: PostgresConnection) async throws -> JobRecord? {
        let (inbox, path) = try key(sourcePath)
        return try await records(
            """
            SELECT \(unescaped: Self.columns) FROM job WHERE inbox = \(inbox) AND path = \(path) AND content_key = \(contentKey)
            FOR UPDATE \(unescaped: skipLocked ? "SKIP LOCKED" : "")
            """,
            on: connection
        ).first
    }

    /// The job with this id, locked for this transaction.
    func lockedJob(id: String, on connection: PostgresConnection) async throws -> JobRecord? {
        try await records("SELECT \(unescaped: Self.columns) FROM job WHERE id = \(id) FOR UPDATE", on: connection).first
    }

    /// Tells the hosts that these jobs wait for a worker (delivered when the transaction
    /// commits): every host, or (`exceptThisHost`: jobs this host recorded and has queued) the others.
    func notifyQueued(_ ids: [String], exceptThisHost: Bool = false, on connection: PostgresConnection) async throws {
        // A payload is ORIGIN<TAB>IDS, the origin empty when every host takes it; under 8000
        // bytes: 500 ids of 12 digits and a comma.
        let origin = exceptThisHost ? hostID : ""
        for start in stride(from: 0, to: ids.count, by: 500) {
            let payload = origin + "\t" + ids[start..<min(start + 500, ids.count)].joined(separator: ",")
            try await connection.query("SELECT pg_notify(\(Self.queuedChannel), \(payload))", logger: logger)
        }
    }
}

extension AsyncSequence {
    /// Every element, in order (a query's decoded rows).
    func elements() async throws -> [Element] {
        var all: [Element] = []
        for try await element in self { all.append(element) }
        return all
    }
}
