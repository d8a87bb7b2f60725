package import Foundation
import GRDB

/// The job ledger: every job, its state, results and cost, in SQLite.
///
/// It is what makes the daemon restart-safe: a source whose content is already done (or failed
/// for good) is never sent again, so restarts, rescans and repeated events cost nothing. On disk
/// it is a WAL database, so `image-inbox status` can read it while the daemon writes.
package struct SQLiteLedger: JobLedger {
    /// One host's ledger: nobody else shares its jobs.
    package var isShared: Bool { false }
    /// Nothing happens elsewhere.
    package var events: AsyncStream<LedgerEvent> { AsyncStream { $0.finish() } }

    private let database: any DatabaseWriter
    /// Every write goes through this, so that writes arriving together share a transaction.
    private let commits: GroupCommit
    /// Counts the jobs that end and the dollars they cost, as the ledger records them.
    private let metrics: DaemonMetrics?
    /// Reads go through this (the writer itself, or a read-only pool for `status`).
    let reader: any DatabaseReader

    /// Opens (creating if needed) the ledger at `path` and brings its schema up to date.
    ///
    /// - Parameter metrics: Where the jobs that end, their cost and each write's latency are counted.
    /// - Throws: ``ImageInboxError`` `ledgerFailed` naming the file and the reason.
    package static func open(at path: String, metrics: DaemonMetrics? = nil) throws(ImageInboxError) -> SQLiteLedger {
        do {
            try FileManager.default.createDirectory(atPath: SourceName(path: path).directory, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            let pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB's WAL default (NORMAL) syncs only at checkpoints: a power cut could undo the
            // commit that said a request was sent, and the next start would pay for it again.
            // FULL makes every commit durable; group commit shares one sync among the jobs
            // that move together, and skips it for writes that may be lost (``GroupCommit``).
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            return try SQLiteLedger(database: pool, metrics: metrics)
        } catch {
            throw ImageInboxError(
                code: .ledgerFailed,
                message: "Can't open the job ledger at '\(path)': \(error). Check that the state directory is writable.",
                cause: error
            )
        }
    }

    /// A ledger in memory, for tests.
    package static func inMemory(metrics: DaemonMetrics? = nil) throws -> SQLiteLedger {
        try SQLiteLedger(database: DatabaseQueue(), metrics: metrics)
    }

    private init(database: any DatabaseWriter, metrics: DaemonMetrics? = nil) throws {
        self.database = database
        self.commits = GroupCommit(database: database, metrics: metrics)
        self.metrics = metrics
        self.reader = database
        try Self.migrator.migrate(database)
    }

    /// A ledger that is only read; writes through it fail.
    init(readingFrom pool: DatabasePool) {
        self.database = pool
        self.commits = GroupCommit(database: pool)
        self.metrics = nil
        self.reader = pool
    }

    /// How durable a commit is, as SQLite's `synchronous` level of the connection that writes
    /// (2, FULL: synced before the commit returns).
    package func commitSyncLevel() async throws -> Int {
        try await database.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// The finished (done or failed) job for this source content, if there is one.
    package func finishedJob(sourcePath: String, contentHash: String) async throws -> JobRecord? {
        try await database.read { db in
            try JobRecord
                .filter(Column("sourcePath") == sourcePath && Column("contentHash") == contentHash)
                .filter(JobState.finished.contains(Column("state")))
                .fetchOne(db)
        }
    }

    /// Records that these source contents wait for a worker, in one transaction: a new job each,
    /// or the unfinished one an earlier run left. A finished job is returned as it is.
    ///
    /// - Returns: The job of each arrival, in order.
    package func enqueue(_ arrivals: [JobArrival], now: Date) async throws -> [JobRecord] {
        // Not synced: a queued job lost in a power cut is found again by the next start's scan.
        try await commits.write(durable: false) { db in
            try arrivals.map { arrival in
                let (record, write) = JobLifecycle.arrive(try Self.job(db, arrival.sourcePath, arrival.contentHash), arrival, now: now)
                switch write {
                case .none: break
                case .insert: try record.insert(db)
                case .update: try record.update(db)
                }
                return record
            }
        }
    }

    /// Starts an attempt at this source content, in one transaction: the queued job (or a new
    /// one) becomes running and its attempt count goes up.
    ///
    /// - Returns: The running job, or nil when this content is already done or failed for good
    ///   (nothing to send).
    package func beginJob(
        sourcePath: String,
        inbox: String = "",
        contentHash: String,
        kind: String,
        parameters: String?,
        now: Date
    ) async throws -> JobRecord? {
        try await commits.write { db in
            let existing = try Self.job(db, sourcePath, contentHash)
            let arrival = JobArrival(sourcePath: sourcePath, inbox: inbox, contentHash: contentHash, kind: kind)
            guard case .start(let record, let write) = JobLifecycle.claim(existing, arrival, parameters: parameters, host: nil, holderIsAlive: false, now: now) else {
                return nil
            }
            if write == .insert {
                try record.insert(db)
            } else {
                // Only what changed, through a statement prepared once: every job starts here.
                try db.cachedStatement(sql: Self.startSQL).execute(arguments: [parameters, record.attempts, LedgerDate.text(now), record.id])
            }
            return record
        }
    }

    /// Puts a source's failed jobs back in the queue, because someone deleted its error note
    /// (which ones: ``JobLifecycle/reopenings(of:contentHashes:batch:now:)``).
    ///
    /// - Returns: The jobs, queued again and counted as manual retries.
    package func reopenFailedJobs(sourcePath: String, contentHashes: Set<String>?, batch: Bool = false, now: Date) async throws -> [JobRecord] {
        try await commits.write { db in
            let jobs = try JobRecord.filter(Column("sourcePath") == sourcePath).order(Column("updatedAt").desc).fetchAll(db)
            let reopened = JobLifecycle.reopenings(of: jobs, contentHashes: contentHashes, batch: batch, now: now)
            for record in reopened { try record.update(db) }
            return reopened
        }
    }

    /// The failed jobs of a source (a batch file's failed entries).
    package func failedJobs(sourcePath: String) async throws -> [JobRecord] {
        try await database.read { db in
            try JobRecord.filter(Column("sourcePath") == sourcePath && Column("state") == JobState.failed.rawValue).fetchAll(db)
        }
    }

    /// The content keys a source's jobs finished with (a batch file's entries done or failed).
    package func finishedContentHashes(sourcePath: String) async throws -> Set<String> {
        try await database.read { db in
            try JobRecord
                .filter(Column("sourcePath") == sourcePath)
                .filter(JobState.finished.contains(Column("state")))
                .select(Column("contentHash"), as: String.self)
                .fetchSet(db)
        }
    }

    /// Records that an edit bundle waits for parts; the first record's `createdAt` is when the
    /// wait began.
    package func recordWaiting(sourcePath: String, inbox: String, contentHash: String, now: Date) async throws -> JobRecord {
        try await commits.write(durable: false) { db in
            if let record = try Self.job(db, sourcePath, contentHash) { return record }
            let record = JobRecord(sourcePath: sourcePath, inbox: inbox, contentHash: contentHash, kind: "edit", state: .waiting, now: now)
            try record.insert(db)
            return record
        }
    }

    /// Ends the waits of a bundle whose parts have all arrived.
    package func cancelWaitingJobs(sourcePath: String, now: Date) async throws {
        try await commits.write(durable: false) { db in
            try db.execute(
                sql: "UPDATE job SET state = \(JobState.cancelled.sql), updatedAt = ? WHERE sourcePath = ? AND state = \(JobState.waiting.sql)",
                arguments: [LedgerDate.text(now), sourcePath]
            )
        }
    }

    /// When the bundle that has waited longest for parts began waiting, if any waits.
    package func earliestWait() async throws -> Date? {
        try await reader.read { db in
            try Date.fetchOne(db, sql: "SELECT MIN(createdAt) FROM job WHERE state = \(JobState.waiting.sql)")
        }
    }

    /// The bundles waiting for parts since before `date`.
    package func waitingJobs(since date: Date) async throws -> [JobRecord] {
        try await reader.read { db in
            try JobRecord.filter(Column("state") == JobState.waiting.rawValue && Column("createdAt") <= LedgerDate.text(date)).fetchAll(db)
        }
    }

    /// Puts a job back in the queue (the queue is paused, or the daemon is stopping), with the
    /// record's `failingSince` (when its run of failures began, if it is in one).
    package func requeue(_ record: JobRecord, now: Date) async throws {
        try await commits.write { db in
            try db.execute(
                sql: "UPDATE job SET state = \(JobState.queued.sql), nextAttemptAt = NULL, failingSince = ?, updatedAt = ? WHERE id = ?",
                arguments: [record.failingSince.map(LedgerDate.text), LedgerDate.text(now), record.id]
            )
        }
    }

    /// Records an answer paid for whose results are about to be downloaded, before the download.
    package func recordPendingDownload(jobID: String, _ pending: PendingDownload, now: Date) async throws {
        try await commits.write { db in
            let stored = try String.fetchOne(db, sql: "SELECT pendingDownloads FROM job WHERE id = ?", arguments: [jobID])
            var list = stored.flatMap { try? JSONDecoder().decode([PendingDownload].self, from: Data($0.utf8)) } ?? []
            list.append(pending)
            let encoded = String(decoding: try JSONEncoder().encode(list), as: UTF8.self)
            try db.execute(sql: "UPDATE job SET pendingDownloads = ?, requestID = ? WHERE id = ?", arguments: [encoded, pending.requestID, jobID])
        }
    }

    /// Records that a running job failed for now and is tried again at `nextAttempt`.
    package func recordRetry(_ record: JobRecord, error: ImageInboxError, failingSince: Date, nextAttempt: Date, now: Date) async throws {
        try await commits.write { db in
            try db.execute(
                sql: "UPDATE job SET errorCode = ?, lastError = ?, requestID = COALESCE(?, requestID), failingSince = ?, nextAttemptAt = ?, updatedAt = ? WHERE id = ?",
                arguments: [error.code.description, error.message, error.requestID, LedgerDate.text(failingSince), LedgerDate.text(nextAttempt), LedgerDate.text(now), record.id]
            )
        }
    }

    /// Marks the queued jobs of a source that went away before they ran.
    package func cancelQueuedJobs(sourcePath: String, now: Date) async throws {
        let inboxes = try await commits.write(durable: false) { db in
            try String.fetchAll(
                db,
                sql: "UPDATE job SET state = \(JobState.cancelled.sql), updatedAt = ? WHERE sourcePath = ? AND state = \(JobState.queued.sql) RETURNING inbox",
                arguments: [LedgerDate.text(now), sourcePath]
            )
        }
        for inbox in inboxes { metrics?.jobEnded(inbox: inbox, outcome: .cancelled) }
    }

    /// Puts back in the queue every job a crash left running, counting it on each.
    ///
    /// - Returns: How many there were.
    package func requeueInterrupted(now: Date) async throws -> Int {
        try await commits.write { db in
            try db.execute(
                sql: "UPDATE job SET state = \(JobState.queued.sql), requeues = requeues + 1, nextAttemptAt = NULL, updatedAt = ? WHERE state = \(JobState.running.sql)",
                arguments: [LedgerDate.text(now)]
            )
            return db.changesCount
        }
    }

    /// Records that this source content failed before any request (it is invalid or unreadable):
    /// the job queued for it, or a new one, becomes failed.
    ///
    /// - Returns: The failed job, whose id the error file names.
    package func recordFailure(sourcePath: String, inbox: String, contentHash: String, kind: String, error: ImageInboxError, now: Date) async throws -> JobRecord {
        let (record, newlyFailed) = try await commits.write { db in
            let found = try Self.job(db, sourcePath, contentHash)
            let arrival = JobArrival(sourcePath: sourcePath, inbox: inbox, contentHash: contentHash, kind: kind)
            let record = JobLifecycle.refuse(found, arrival, error: error, now: now)
            try record.save(db)
            // An edit bundle's instruction comes again as each of its parts settles: one failure.
            return (record, found?.state != .failed)
        }
        if newlyFailed { metrics?.jobEnded(inbox: inbox, outcome: .failed) }
        return record
    }

    /// Adds the estimated cost of an answer that was billed but could not be used to a running
    /// job, at once, so that it counts against today's budget while the job goes on.
    package func addCost(jobID: String, usd: Double, now: Date) async throws {
        let inbox = try await commits.write { db in
            try String.fetchOne(
                db,
                sql: "UPDATE job SET usdSpent = COALESCE(usdSpent, 0) + ?, costIsEstimate = 1, updatedAt = ? WHERE id = ? RETURNING inbox",
                arguments: [usd, LedgerDate.text(now), jobID]
            )
        }
        if let inbox { metrics?.spent(usd: usd, inbox: inbox) }
    }

    /// Records a job that failed for good, with what it was billed if it was (an image made but
    /// never delivered), on top of what its unusable answers cost.
    package func recordFailure(_ record: JobRecord, error: ImageInboxError, billedUSD: Double? = nil, costIsEstimate: Bool = false, now: Date) async throws {
        let failed = try await commits.write { db in
            let earlier = try Row.fetchOne(db, sql: "SELECT usdSpent, costIsEstimate FROM job WHERE id = ?", arguments: [record.id])
            let record = JobLifecycle.fail(
                record, error: error, usd: billedUSD, isEstimate: costIsEstimate,
                earlier: (earlier?["usdSpent"], earlier?["costIsEstimate"] ?? false), now: now
            )
            try record.save(db)
            return record
        }
        // Dollars first: a scrape that sees the job end sees its cost.
        metrics?.spent(usd: billedUSD ?? 0, inbox: failed.inbox)
        metrics?.jobEnded(inbox: failed.inbox, outcome: .failed)
    }

    /// Records a job's results and cost (on top of what its unusable answers cost).
    ///
    /// - Parameters:
    ///   - estimatedUSD: The cost estimated from tokens, when the provider reported none.
    ///   - requestID: The provider's id of the request that made the results.
    package func recordSuccess(
        _ record: JobRecord,
        outputs: [String],
        usage: APIUsage,
        estimatedUSD: Double? = nil,
        requestID: String? = nil,
        now: Date
    ) async throws {
        let encodedOutputs = String(decoding: try JSONEncoder().encode(outputs), as: UTF8.self)
        let made = usage.usdSpent ?? estimatedUSD
        let madeIsEstimate = usage.usdSpent == nil && estimatedUSD != nil
        try await commits.write { db in
            // One statement prepared once, on top of what unusable answers already cost (the
            // right-hand sides read the row as it was).
            try db.cachedStatement(sql: Self.successSQL).execute(arguments: [
                requestID, encodedOutputs, made, made, madeIsEstimate, made, usage.inputTokens, usage.outputTokens, LedgerDate.text(now), record.id,
            ])
        }
        metrics?.spent(usd: made ?? 0, inbox: record.inbox)
        metrics?.jobEnded(inbox: record.inbox, outcome: .done)
    }

    /// Records where a finished job's results were written, once they were (results held while
    /// their folder was away).
    package func recordOutputs(jobID: String, outputs: [String], now: Date) async throws {
        let encoded = String(decoding: try JSONEncoder().encode(outputs), as: UTF8.self)
        try await commits.write { db in
            // updatedAt stays the day the job was paid for: the day's spend is counted by it.
            try db.execute(sql: "UPDATE job SET outputs = ? WHERE id = ?", arguments: [encoded, jobID])
        }
    }

    /// Dollars spent by jobs that ended since `date`.
    package func cost(since date: Date) async throws -> Double {
        try await reader.read { db in try Self.cost(db, since: date) }
    }

    /// Dollars spent since `date` by the jobs of files in `folder` and below it.
    package func cost(since date: Date, inFolder folder: String) async throws -> Double {
        try await reader.read { db in try Self.cost(db, since: date, inFolder: folder) }
    }

    /// Dollars spent by jobs finished since `date` (in all, without one), inside a read; only
    /// the estimated costs with `estimatesOnly`, only those of files below `folder` with one.
    static func cost(_ db: Database, since date: Date? = nil, estimatesOnly: Bool = false, inFolder folder: String? = nil) throws -> Double {
        // The empty text sorts before every date: no date is every job.
        var arguments: StatementArguments = [date.map(LedgerDate.text) ?? ""]
        // A prefix compared as text, not LIKE (folder names may hold % and _); SQLite counts scalars.
        let prefix = folder.map { $0 + "/" }
        if let prefix { arguments += [prefix.unicodeScalars.count, prefix] }
        return try Double.fetchOne(
            db,
            // Failed jobs count too: a result made but never delivered was paid for all the same.
            sql: "SELECT COALESCE(SUM(usdSpent), 0) FROM job WHERE usdSpent IS NOT NULL AND updatedAt >= ?"
                + (estimatesOnly ? " AND costIsEstimate" : "") + (prefix == nil ? "" : " AND substr(sourcePath, 1, ?) = ?"),
            arguments: arguments
        ) ?? 0
    }

    /// What the status line shows of the day: dollars spent and jobs failed since `date`, in one
    /// pass over the jobs that ended since then.
    package func figures(since date: Date) async throws -> (usd: Double, failed: Int) {
        try await reader.read { db in
            let row = try Row.fetchOne(
                db,
                sql: "SELECT COALESCE(SUM(usdSpent), 0), COUNT(CASE WHEN state = \(JobState.failed.sql) THEN 1 END) FROM job WHERE updatedAt >= ?",
                arguments: [LedgerDate.text(date)]
            )
            return (row?[0] ?? 0, row?[1] ?? 0)
        }
    }

    /// Every job, newest first.
    package func allJobs() async throws -> [JobRecord] {
        try await database.read { db in
            try JobRecord.order(Column("updatedAt").desc).fetchAll(db)
        }
    }

    /// How many jobs are in each state.
    package func countsByState() async throws -> [JobState: Int] {
        try await database.read { db in
            var counts: [JobState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM job GROUP BY state") {
                if let state = JobState(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    /// Sets (or with nil, clears) one of the daemon's published facts, such as why it is paused.
    package func setDaemonState(_ key: String, _ value: String?, now: Date) async throws {
        try await commits.write(durable: false) { db in
            if let value {
                try db.execute(
                    sql: "INSERT INTO daemonState (key, value, updatedAt) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updatedAt = excluded.updatedAt",
                    arguments: [key, value, LedgerDate.text(now)]
                )
            } else {
                try db.execute(sql: "DELETE FROM daemonState WHERE key = ?", arguments: [key])
            }
        }
    }

    /// The daemon's published facts.
    package func daemonState() async throws -> [String: String] {
        try await database.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM daemonState").map { ($0["key"], $0["value"]) })
        }
    }

    /// The statements every job runs, written once: a job's start (only what changed)...
    private static let startSQL = "UPDATE job SET state = \(JobState.running.sql), parameters = ?, attempts = ?, updatedAt = ? WHERE id = ?"
    /// ...and its success, on top of what unusable answers already cost (the right-hand sides
    /// read the row as it was).
    private static let successSQL = """
        UPDATE job SET state = \(JobState.done.sql), errorCode = NULL, lastError = NULL, failingSince = NULL, nextAttemptAt = NULL,
        pendingDownloads = NULL, requestID = COALESCE(?, requestID), outputs = ?,
        usdSpent = CASE WHEN ? IS NULL AND usdSpent IS NULL THEN NULL ELSE COALESCE(?, 0) + COALESCE(usdSpent, 0) END,
        costIsEstimate = (? AND ? IS NOT NULL) OR (usdSpent IS NOT NULL AND costIsEstimate),
        inputTokens = ?, outputTokens = ?, updatedAt = ? WHERE id = ?
        """

    private static func job(_ db: Database, _ sourcePath: String, _ contentHash: String) throws -> JobRecord? {
        // Asked once or twice per job: a cached statement is prepared once per connection.
        let statement = try db.cachedStatement(sql: "SELECT * FROM job WHERE sourcePath = ? AND contentHash = ?")
        return try JobRecord.fetchOne(statement, arguments: [sourcePath, contentHash])
    }
}
