package import Foundation
import GRDB

extension SQLiteLedger {
    /// Opens an existing ledger for reading only, while a daemon may be writing it.
    ///
    /// - Throws: ``ImageInboxError`` `ledgerFailed` when there is no ledger yet or it cannot be read.
    package static func openForReading(at path: String) throws(ImageInboxError) -> SQLiteLedger {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ImageInboxError(code: .ledgerFailed, message: "There is no job ledger at '\(path)' yet: the daemon has not run with this state directory.")
        }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(5)
            let pool = try DatabasePool(path: path, configuration: configuration)
            guard try pool.read({ try SQLiteLedger.migrator.hasCompletedMigrations($0) }) else {
                throw ImageInboxError(
                    code: .ledgerFailed,
                    message: "The job ledger at '\(path)' was written by an older image-inbox; start the daemon once to bring it up to date."
                )
            }
            return SQLiteLedger(readingFrom: pool)
        } catch let error as ImageInboxError {
            throw error
        } catch {
            throw ImageInboxError(code: .ledgerFailed, message: "Can't read the job ledger at '\(path)': \(error).", cause: error)
        }
    }

    /// The jobs that are not over, by inbox and state (`queued`, `running`, `waiting`, and
    /// `retrying`: the running jobs waiting to be tried again), and today's spend: what the
    /// metrics' gauges show at a scrape.
    package func openJobs(today now: Date) async throws -> (counts: [String: [String: Int]], spentToday: Double) {
        let startOfDay = LocalDay.start(of: now)
        return try await reader.read { db in
            var counts: [String: [String: Int]] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT inbox, state, COUNT(*) AS n, SUM(state = \(JobState.running.sql) AND nextAttemptAt IS NOT NULL) AS retrying
                    FROM job WHERE state IN \(JobState.sql(JobState.open)) GROUP BY inbox, state
                    """
            )
            for row in rows {
                let inbox: String = row["inbox"]
                let state: String = row["state"]
                counts[inbox, default: [:]][state] = row["n"]
                if state == "running" { counts[inbox, default: [:]]["retrying"] = row["retrying"] }
            }
            return (counts, try SQLiteLedger.cost(db, since: startOfDay))
        }
    }

    /// What `image-inbox status` shows: per inbox the jobs by state and the latest failures,
    /// whether the queue is paused and why, and the cost today and in total.
    package func status(now: Date, failuresPerInbox: Int = 10) async throws -> StatusReport {
        let startOfDay = LocalDay.start(of: now)
        let daemon = try await daemonState()
        return try await reader.read { db in
            var inboxes: [String: StatusReport.Inbox] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT inbox, state, COUNT(*) AS n FROM job GROUP BY inbox, state") {
                let path: String = row["inbox"]
                var inbox = inboxes[path] ?? StatusReport.Inbox(path: path)
                if let state = JobState(rawValue: row["state"]) { inbox.counts[state.rawValue] = row["n"] }
                inboxes[path] = inbox
            }
            // Running jobs waiting to be tried again after failing for now.
            for row in try Row.fetchAll(db, sql: "SELECT inbox, COUNT(*) AS n FROM job WHERE state = \(JobState.running.sql) AND nextAttemptAt IS NOT NULL GROUP BY inbox") {
                let path: String = row["inbox"]
                inboxes[path]?.counts["retrying"] = row["n"]
            }
            for path in inboxes.keys {
                inboxes[path]?.failures = try JobRecord
                    .filter(Column("inbox") == path && Column("state") == JobState.failed.rawValue)
                    .order(Column("updatedAt").desc)
                    .limit(failuresPerInbox)
                    .fetchAll(db)
                    .map { StatusReport.Failure(source: $0.sourcePath, job: $0.id, code: $0.errorCode ?? "", message: $0.lastError ?? "", at: $0.updatedAt) }
            }
            return StatusReport(
                paused: daemon["paused"],
                rateLimitedConcurrency: daemon["concurrency"],
                polledMounts: StatusReport.polledMounts(published: daemon[StatusReport.polledMountsKey]),
                costToday: try SQLiteLedger.cost(db, since: startOfDay),
                estimatedToday: try SQLiteLedger.cost(db, since: startOfDay, estimatesOnly: true),
                costTotal: try SQLiteLedger.cost(db),
                inboxes: inboxes.values.sorted { $0.path < $1.path },
                retiringModels: StatusReport.retiringModels(published: daemon[StatusReport.retiringModelsKey], now: now)
            )
        }
    }
}
