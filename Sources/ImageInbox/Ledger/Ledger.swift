package import Foundation
import GRDB

/// The job ledger: every job, its state, results and cost, in SQLite.
///
/// It is what makes the daemon restart-safe: a source whose content is already done (or failed
/// for good) is never sent again, so restarts, rescans and repeated events cost nothing. On disk
/// it is a WAL database, so `image-inbox status` can read it while the daemon writes.
package struct Ledger: Sendable {
    private let database: any DatabaseWriter

    /// Opens (creating if needed) the ledger at `path` and brings its schema up to date.
    ///
    /// - Throws: ``ImageInboxError`` `ledgerFailed` naming the file and the reason.
    package static func open(at path: String) throws(ImageInboxError) -> Ledger {
        do {
            let directory = SourceName(path: path).directory
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            let pool = try DatabasePool(path: path, configuration: configuration)
            return try Ledger(database: pool)
        } catch let error as ImageInboxError {
            throw error
        } catch {
            throw ImageInboxError(
                code: .ledgerFailed,
                message: "Can't open the job ledger at '\(path)': \(error). Check that the state directory is writable.",
                cause: error
            )
        }
    }

    /// A ledger in memory, for tests and one-shot commands.
    package static func inMemory() throws -> Ledger {
        try Ledger(database: DatabaseQueue())
    }

    private init(database: any DatabaseWriter) throws {
        self.database = database
        try Self.migrator.migrate(database)
    }

    /// The finished (done or failed) job for this source content, if there is one.
    package func finishedJob(sourcePath: String, contentHash: String) async throws -> JobRecord? {
        try await database.read { db in
            try JobRecord
                .filter(Column("sourcePath") == sourcePath && Column("contentHash") == contentHash)
                .filter([JobState.done, JobState.failed].contains(Column("state")))
                .fetchOne(db)
        }
    }

    /// Starts a job for this source content: a new record, or the unfinished one an earlier run
    /// left (its attempt count goes on).
    package func beginJob(sourcePath: String, contentHash: String, kind: String, parameters: String?, now: Date) async throws -> JobRecord {
        try await database.write { db in
            var record = try JobRecord
                .filter(Column("sourcePath") == sourcePath && Column("contentHash") == contentHash)
                .fetchOne(db)
                ?? JobRecord(sourcePath: sourcePath, contentHash: contentHash, kind: kind, state: .queued, now: now)
            record.state = .running
            record.parameters = parameters
            record.attempts += 1
            record.updatedAt = now
            try record.save(db)
            return record
        }
    }

    /// Records a job that failed before any request (an invalid source), or a failed attempt.
    package func recordFailure(_ record: JobRecord, error: ImageInboxError, now: Date) async throws {
        var record = record
        record.state = .failed
        record.errorCode = error.code.description
        record.lastError = error.message
        record.updatedAt = now
        try await database.write { [record] db in try record.save(db) }
    }

    /// Records a job's results and cost.
    package func recordSuccess(_ record: JobRecord, outputs: [String], usage: APIUsage, now: Date) async throws {
        var record = record
        record.state = .done
        record.errorCode = nil
        record.lastError = nil
        record.outputs = String(decoding: try JSONEncoder().encode(outputs), as: UTF8.self)
        record.usdSpent = usage.usdSpent
        record.inputTokens = usage.inputTokens
        record.outputTokens = usage.outputTokens
        record.updatedAt = now
        try await database.write { [record] db in try record.save(db) }
    }

    /// Every job, newest first (for status and tests).
    package func allJobs() async throws -> [JobRecord] {
        try await database.read { db in
            try JobRecord.order(Column("createdAt").desc).fetchAll(db)
        }
    }

    /// How many jobs are in each state.
    package func countsByState() async throws -> [JobState: Int] {
        try await database.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM job GROUP BY state")
            var counts: [JobState: Int] = [:]
            for row in rows {
                if let state = JobState(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }
}
