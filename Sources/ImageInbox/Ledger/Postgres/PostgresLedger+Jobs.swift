#if canImport(Glibc)
import Glibc
#endif
package import Foundation
import PostgresNIO

extension PostgresLedger {
    package func finishedJob(sourcePath: String, contentHash: String) async throws -> JobRecord? {
        let (inbox, path) = try key(sourcePath)
        return try await records(
            """
            SELECT \(unescaped: Self.columns) FROM job WHERE inbox = \(inbox) AND path = \(path) AND content_key = \(contentHash)
            AND state IN \(unescaped: JobState.sql(JobState.finished))
            """
        ).first
    }

    package func enqueue(_ arrivals: [JobArrival], now: Date) async throws -> [JobRecord] {
        // Every host records what it finds: the key decides, and rows are taken in one order on
        // every host, so two hosts recording one backlog wait for each other but never deadlock.
        let order = arrivals.indices.sorted { (arrivals[$0].sourcePath, arrivals[$0].contentHash) < (arrivals[$1].sourcePath, arrivals[$1].contentHash) }
        let recorded = try await client.withTransaction(logger: logger) { connection in
            var recorded: [Int: JobRecord] = [:]
            var new: [String] = []
            for index in order {
                let arrival = arrivals[index]
                let (fresh, _) = JobLifecycle.arrive(nil, arrival, now: now)
                if try await self.insert(fresh, on: connection) {
                    recorded[index] = fresh
                    new.append(fresh.id)
                    continue
                }
                guard let existing = try await self.lockedJob(arrival.sourcePath, arrival.contentHash, on: connection) else { continue }
                let (record, write) = JobLifecycle.arrive(existing, arrival, now: now)
                if write == .update { try await self.update(record, on: connection) }
                recorded[index] = record
            }
            // Hosts polling a network share hear of these now, not at their next poll.
            try await self.notifyQueued(new, exceptThisHost: true, on: connection)
            return recorded
        }
        return arrivals.indices.map { recorded[$0] ?? JobLifecycle.arrive(nil, arrivals[$0], now: now).0 }
    }

    package func beginJob(sourcePath: String, inbox: String, contentHash: String, kind: String, parameters: String?, now: Date) async throws -> JobRecord? {
        let arrival = JobArrival(sourcePath: sourcePath, inbox: inbox, contentHash: contentHash, kind: kind)
        let (inboxName, path) = try key(sourcePath)
        return try await client.withTransaction(logger: logger) { connection in
            // The claim: the job's row, unless another host is claiming it this moment.
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.columns), EXISTS (SELECT 1 FROM host WHERE host.id = job.claimed_by
                    AND host.last_seen > now() - make_interval(secs => \(self.leaseSeconds))) AS holder_alive
                FROM job WHERE inbox = \(inboxName) AND path = \(path) AND content_key = \(contentHash) FOR UPDATE OF job SKIP LOCKED
                """,
                logger: self.logger
            )
            var found: (JobRecord, Bool)?
            for try await row in rows { found = (try self.record(row), try row.makeRandomAccess()["holder_alive"].decode(Bool.self)) }
            // No row: none yet, or one another host is claiming this moment; the insert below
            // writes the first and leaves the second (ON CONFLICT DO NOTHING).
            switch JobLifecycle.claim(found?.0, arrival, parameters: parameters, host: self.hostID, holderIsAlive: found?.1 ?? false, now: now) {
            case .finished, .runningElsewhere:
                return nil
            case .start(let record, .insert):
                return try await self.insert(record, on: connection) ? record : nil
            case .start(let record, _):
                try await self.update(record, on: connection)
                return record
            }
        }
    }

    var leaseSeconds: Double { Double(lease.components.seconds) + Double(lease.components.attoseconds) / 1e18 }

    package func reopenFailedJobs(sourcePath: String, contentHashes: Set<String>?, batch: Bool, now: Date) async throws -> [JobRecord] {
        let (inbox, path) = try key(sourcePath)
        return try await client.withTransaction(logger: logger) { connection in
            let jobs = try await self.records(
                "SELECT \(unescaped: Self.columns) FROM job WHERE inbox = \(inbox) AND path = \(path) ORDER BY updated_at DESC FOR UPDATE",
                on: connection
            )
            let reopened = JobLifecycle.reopenings(of: jobs, contentHashes: contentHashes, batch: batch, now: now)
            for record in reopened { try await self.update(record, on: connection) }
            return reopened
        }
    }

    package func failedJobs(sourcePath: String) async throws -> [JobRecord] {
        let (inbox, path) = try key(sourcePath)
        return try await records("SELECT \(unescaped: Self.columns) FROM job WHERE inbox = \(inbox) AND path = \(path) AND state = \(unescaped: JobState.failed.sql)")
    }

    package func finishedContentHashes(sourcePath: String) async throws -> Set<String> {
        let (inbox, path) = try key(sourcePath)
        let rows = try await client.query("SELECT content_key FROM job WHERE inbox = \(inbox) AND path = \(path) AND state IN \(unescaped: JobState.sql(JobState.finished))", logger: logger)
        return Set(try await rows.decode(String.self).elements())
    }

    package func recordWaiting(sourcePath: String, inbox: String, contentHash: String, now: Date) async throws -> JobRecord {
        try await client.withTransaction(logger: logger) { connection in
            let waiting = JobRecord(sourcePath: sourcePath, inbox: inbox, contentHash: contentHash, kind: "edit", state: .waiting, now: now)
            if try await self.insert(waiting, on: connection) { return waiting }
            return try await self.lockedJob(sourcePath, contentHash, on: connection) ?? waiting
        }
    }

    package func cancelWaitingJobs(sourcePath: String, now: Date) async throws {
        let (inbox, path) = try key(sourcePath)
        try await client.query("UPDATE job SET state = \(unescaped: JobState.cancelled.sql), updated_at = \(now) WHERE inbox = \(inbox) AND path = \(path) AND state = \(unescaped: JobState.waiting.sql)", logger: logger)
    }

    package func earliestWait() async throws -> Date? {
        let rows = try await client.query("SELECT min(created_at) FROM job WHERE state = \(unescaped: JobState.waiting.sql) AND inbox = ANY(\(servedInboxes))", logger: logger)
        return try await rows.decode(Date?.self).elements().first ?? nil
    }

    package func waitingJobs(since date: Date) async throws -> [JobRecord] {
        try await records("SELECT \(unescaped: Self.columns) FROM job WHERE state = \(unescaped: JobState.waiting.sql) AND created_at <= \(date) AND inbox = ANY(\(servedInboxes))")
    }

    /// The names of this host's inboxes.
    var servedInboxes: [String] { inboxes.folders.map(\.name) }

    package func requeue(_ record: JobRecord, now: Date) async throws {
        try await client.withTransaction(logger: logger) { connection in
            guard let current = try await self.lockedJob(id: record.id, on: connection), current.state == .running else { return }
            try await self.update(JobLifecycle.requeue(current, failingSince: record.failingSince, now: now), on: connection)
            // Other hosts dropped it when this one claimed it: they may take it now.
            try await self.notifyQueued([record.id], on: connection)
        }
    }

    package func recordPendingDownload(jobID: String, _ pending: PendingDownload, now: Date) async throws {
        try await client.withTransaction(logger: logger) { connection in
            guard var record = try await self.lockedJob(id: jobID, on: connection) else { return }
            let list = record.pendingDownloadList + [pending]
            record.pendingDownloads = String(decoding: try JSONEncoder().encode(list), as: UTF8.self)
            record.requestID = pending.requestID
            try await self.update(record, on: connection)
        }
    }

    package func recordRetry(_ record: JobRecord, error: ImageInboxError, failingSince: Date, nextAttempt: Date, now: Date) async throws {
        try await client.query(
            """
            UPDATE job SET error_code = \(error.code.description), last_error = \(error.message), request_id = COALESCE(\(error.requestID), request_id),
            failing_since = \(failingSince), next_attempt_at = \(nextAttempt), updated_at = \(now) WHERE id = \(record.id)
            """,
            logger: logger
        )
    }

    package func cancelQueuedJobs(sourcePath: String, now: Date) async throws {
        let (inbox, path) = try key(sourcePath)
        let rows = try await client.query(
            "UPDATE job SET state = \(unescaped: JobState.cancelled.sql), updated_at = \(now) WHERE inbox = \(inbox) AND path = \(path) AND state = \(unescaped: JobState.queued.sql) RETURNING id",
            logger: logger
        )
        for _ in try await rows.collect() { metrics?.jobEnded(inbox: inboxes.local(inbox: inbox, path: Array(path)).inbox, outcome: .cancelled) }
    }

    /// Releases the jobs of hosts gone silent for the lease, and of this machine's earlier
    /// daemons whose process is gone (a restart need not wait for the lease).
    package func requeueInterrupted(now: Date) async throws -> Int {
        let hostname = ProcessInfo.processInfo.hostName
        let rows = try await client.query("SELECT id, pid FROM host WHERE hostname = \(hostname) AND id <> \(hostID)", logger: logger)
        var gone: [String] = []
        for try await (id, pid) in rows.decode((String, Int).self) where kill(pid_t(pid), 0) != 0 && errno == ESRCH {
            gone.append(id)
        }
        return try await releaseJobsOfGoneHosts(now: now, alsoGone: gone)
    }

    /// Drops the hosts silent for the lease (and `alsoGone`), puts the jobs they had running
    /// back in the queue and tells every host.
    ///
    /// - Returns: How many jobs were released.
    func releaseJobsOfGoneHosts(now: Date, alsoGone: [String] = []) async throws -> Int {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query(
                """
                DELETE FROM host WHERE id <> \(self.hostID)
                AND (last_seen < now() - make_interval(secs => \(self.leaseSeconds)) OR id = ANY(\(alsoGone)))
                """,
                logger: self.logger
            )
            let orphans = try await self.records(
                """
                SELECT \(unescaped: Self.columns) FROM job WHERE state = \(unescaped: JobState.running.sql)
                AND (claimed_by IS NULL OR claimed_by NOT IN (SELECT id FROM host)) FOR UPDATE SKIP LOCKED
                """,
                on: connection
            )
            for orphan in orphans { try await self.update(JobLifecycle.interrupted(orphan, now: now), on: connection) }
            try await self.notifyQueued(orphans.map(\.id), on: connection)
            return orphans.count
        }
    }

    package func recordFailure(sourcePath: String, inbox: String, contentHash: String, kind: String, error: ImageInboxError, now: Date) async throws -> JobRecord {
        let (record, newlyFailed) = try await client.withTransaction(logger: logger) { connection in
            let found = try await self.lockedJob(sourcePath, contentHash, on: connection)
            let arrival = JobArrival(sourcePath: sourcePath, inbox: inbox, contentHash: contentHash, kind: kind)
            let record = JobLifecycle.refuse(found, arrival, error: error, now: now)
            if found == nil {
                guard try await self.insert(record, on: connection) else { return (record, false) }
            } else {
                try await self.update(record, on: connection)
            }
            // An edit bundle's instruction comes again as each of its parts settles: one failure.
            return (record, found?.state != .failed)
        }
        if newlyFailed { metrics?.jobEnded(inbox: inbox, outcome: .failed) }
        return record
    }

    package func addCost(jobID: String, usd: Double, now: Date) async throws {
        let rows = try await client.query(
            "UPDATE job SET usd_spent = COALESCE(usd_spent, 0) + \(usd), cost_is_estimate = true, updated_at = \(now) WHERE id = \(jobID) RETURNING inbox, path",
            logger: logger
        )
        for try await (inbox, path) in rows.decode((String, Data).self) {
            metrics?.spent(usd: usd, inbox: inboxes.local(inbox: inbox, path: Array(path)).inbox)
        }
    }

    package func recordFailure(_ record: JobRecord, error: ImageInboxError, billedUSD: Double?, costIsEstimate: Bool, now: Date) async throws {
        try await client.withTransaction(logger: logger) { connection in
            let earlier = try await self.lockedJob(id: record.id, on: connection)
            let failed = JobLifecycle.fail(
                record, error: error, usd: billedUSD, isEstimate: costIsEstimate, earlier: (earlier?.usdSpent, earlier?.costIsEstimate ?? false), now: now
            )
            try await self.update(failed, on: connection)
        }
        metrics?.spent(usd: billedUSD ?? 0, inbox: record.inbox)
        metrics?.jobEnded(inbox: record.inbox, outcome: .failed)
    }

    package func recordSuccess(_ record: JobRecord, outputs: [String], usage: APIUsage, estimatedUSD: Double?, requestID: String?, now: Date) async throws {
        let encoded = String(decoding: try JSONEncoder().encode(outputs), as: UTF8.self)
        let made = usage.usdSpent ?? estimatedUSD
        try await client.withTransaction(logger: logger) { connection in
            let earlier = try await self.lockedJob(id: record.id, on: connection)
            let done = JobLifecycle.succeed(
                earlier ?? record, outputs: encoded, usd: made, isEstimate: usage.usdSpent == nil && estimatedUSD != nil, usage: usage,
                requestID: requestID, earlier: (earlier?.usdSpent, earlier?.costIsEstimate ?? false), now: now
            )
            try await self.update(done, on: connection)
        }
        metrics?.spent(usd: made ?? 0, inbox: record.inbox)
        metrics?.jobEnded(inbox: record.inbox, outcome: .done)
    }

    package func recordOutputs(jobID: String, outputs: [String], now: Date) async throws {
        let encoded = String(decoding: try JSONEncoder().encode(outputs), as: UTF8.self)
        // updated_at stays the day the job was paid for: the day's spend is counted by it.
        try await client.query("UPDATE job SET outputs = \(encoded) WHERE id = \(jobID)", logger: logger)
    }
}
