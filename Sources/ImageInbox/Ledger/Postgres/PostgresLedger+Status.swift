package import Foundation
import PostgresNIO

extension PostgresLedger {
    package func cost(since date: Date) async throws -> Double {
        try await sum("SELECT COALESCE(sum(usd_spent), 0) FROM job WHERE usd_spent IS NOT NULL AND updated_at >= \(date)")
    }

    package func cost(since date: Date, inFolder folder: String) async throws -> Double {
        guard let (inbox, prefix) = inboxes.key(ofFolder: folder) else { return 0 }
        // A prefix compared as bytes, not LIKE (folder names may hold % and _).
        return try await sum(
            """
            SELECT COALESCE(sum(usd_spent), 0) FROM job WHERE usd_spent IS NOT NULL AND updated_at >= \(date)
            AND inbox = \(inbox) AND substring(path from 1 for \(Int32(prefix.count))) = \(Data(prefix))
            """
        )
    }

    private func sum(_ query: PostgresQuery) async throws -> Double {
        try await client.query(query, logger: logger).decode(Double.self).elements().first ?? 0
    }

    package func figures(since date: Date) async throws -> (usd: Double, failed: Int) {
        let rows = try await client.query(
            "SELECT COALESCE(sum(usd_spent), 0), count(*) FILTER (WHERE state = \(unescaped: JobState.failed.sql)) FROM job WHERE updated_at >= \(date)",
            logger: logger
        )
        return try await rows.decode((Double, Int).self).elements().first ?? (0, 0)
    }

    package func setDaemonState(_ key: String, _ value: String?, now: Date) async throws {
        switch key {
        case "concurrency":
            try await client.query("UPDATE host SET concurrency = \(value) WHERE id = \(hostID)", logger: logger)
        case StatusReport.polledMountsKey:
            try await client.query("UPDATE host SET polled_mounts = \(value) WHERE id = \(hostID)", logger: logger)
        default:
            // Shared by every host: a pause seen by one pauses all, and one probe lifts it for all.
            try await client.withTransaction(logger: logger) { connection in
                let current = try await connection.query("SELECT value FROM shared_state WHERE key = \(key) FOR UPDATE", logger: self.logger)
                    .decode(String.self).elements().first
                guard current != value else { return }
                if let value {
                    try await connection.query(
                        """
                        INSERT INTO shared_state (key, value, updated_at) VALUES (\(key), \(value), \(now))
                        ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                        """,
                        logger: self.logger
                    )
                } else {
                    try await connection.query("DELETE FROM shared_state WHERE key = \(key)", logger: self.logger)
                }
                if key == "paused" {
                    try await connection.query("SELECT pg_notify(\(Self.pauseChannel), \(self.hostID + "\t" + (value ?? "")))", logger: self.logger)
                }
            }
        }
    }

    package func daemonState() async throws -> [String: String] {
        var state: [String: String] = [:]
        for try await (key, value) in try await client.query(PostgresQuery(unsafeSQL: "SELECT key, value FROM shared_state"), logger: logger).decode((String, String).self) {
            state[key] = value
        }
        return state
    }

    package func openJobs(today now: Date) async throws -> (counts: [String: [String: Int]], spentToday: Double) {
        let rows = try await client.query(
            """
            SELECT inbox, state, count(*), count(*) FILTER (WHERE state = \(unescaped: JobState.running.sql) AND next_attempt_at IS NOT NULL)
            FROM job WHERE state IN \(unescaped: JobState.sql(JobState.open)) AND inbox = ANY(\(servedInboxes)) GROUP BY inbox, state
            """,
            logger: logger
        )
        var counts: [String: [String: Int]] = [:]
        for try await (name, state, count, retrying) in rows.decode((String, String, Int, Int).self) {
            let inbox = inboxes.folder(named: name)
            counts[inbox, default: [:]][state] = count
            if state == JobState.running.rawValue { counts[inbox, default: [:]]["retrying"] = retrying }
        }
        return (counts, try await cost(since: LocalDay.start(of: now)))
    }

    package func status(now: Date, failuresPerInbox: Int) async throws -> StatusReport {
        let startOfDay = LocalDay.start(of: now)
        var inboxes: [String: StatusReport.Inbox] = [:]
        let rows = try await client.query(
            "SELECT inbox, state, count(*), count(*) FILTER (WHERE state = \(unescaped: JobState.running.sql) AND next_attempt_at IS NOT NULL) FROM job GROUP BY inbox, state",
            logger: logger
        )
        for try await (name, state, count, retrying) in rows.decode((String, String, Int, Int).self) {
            inboxes[name, default: StatusReport.Inbox(path: name)].counts[state] = count
            if state == JobState.running.rawValue, retrying > 0 { inboxes[name]?.counts["retrying"] = retrying }
        }
        for name in inboxes.keys {
            inboxes[name]?.failures = try await records(
                "SELECT \(unescaped: Self.columns) FROM job WHERE inbox = \(name) AND state = \(unescaped: JobState.failed.sql) ORDER BY updated_at DESC LIMIT \(failuresPerInbox)"
            ).map { StatusReport.Failure(source: $0.sourcePath, job: $0.id, code: $0.errorCode ?? "", message: $0.lastError ?? "", at: $0.updatedAt) }
        }
        var hosts: [StatusReport.Host] = []
        let hostRows = try await client.query(
            """
            SELECT id, hostname, pid, version, started_at, last_seen, concurrency, polled_mounts,
            (SELECT count(*) FROM job WHERE job.claimed_by = host.id AND job.state = \(unescaped: JobState.running.sql))
            FROM host ORDER BY hostname, started_at
            """,
            logger: logger
        )
        for try await (id, hostname, pid, version, started, lastSeen, concurrency, mounts, running) in hostRows.decode(
            (String, String, Int, String, Date, Date, String?, String?, Int).self
        ) {
            hosts.append(
                StatusReport.Host(
                    id: id, hostname: hostname, pid: pid, version: version, started: started, lastSeen: lastSeen, running: running,
                    rateLimitedConcurrency: concurrency,
                    polledMounts: StatusReport.polledMounts(published: mounts)
                )
            )
        }
        let shared = try await daemonState()
        return StatusReport(
            ledger: url.description,
            paused: shared["paused"],
            rateLimitedConcurrency: nil,
            costToday: try await cost(since: startOfDay),
            estimatedToday: try await sum("SELECT COALESCE(sum(usd_spent), 0) FROM job WHERE cost_is_estimate AND usd_spent IS NOT NULL AND updated_at >= \(startOfDay)"),
            costTotal: try await sum("SELECT COALESCE(sum(usd_spent), 0) FROM job WHERE usd_spent IS NOT NULL"),
            inboxes: inboxes.values.sorted { $0.path < $1.path },
            hosts: hosts,
            retiringModels: StatusReport.retiringModels(published: shared[StatusReport.retiringModelsKey], now: now)
        )
    }
}
