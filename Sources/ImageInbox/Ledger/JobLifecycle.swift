package import Foundation

/// The job's life (waiting → queued → running → done / failed / cancelled), decided in one
/// place for every ledger store.
///
/// Each transition takes the job as the store read it (nil: there is none yet) and `now`, and
/// returns what the store must write: the stores only read, lock and write rows.
package enum JobLifecycle {
    /// What a store does with the row of a transition.
    package enum Write: Sendable, Equatable {
        /// Nothing changed.
        case none
        /// A new row.
        case insert
        /// The row changed.
        case update
    }

    /// What a worker's claim on a content decides.
    package enum Claim: Sendable, Equatable {
        /// The job runs here now: write it, then send its request.
        case start(JobRecord, Write)
        /// The content is done or failed for good: nothing to send.
        case finished
        /// Another host's worker runs it and that host is alive: nothing to send here.
        case runningElsewhere(host: String)
    }

    /// A source content arrives (a scan, an event, a host taking a released job): a new job is
    /// queued; a waiting or cancelled one is queued again; a queued, running or finished one
    /// stays as it is.
    package static func arrive(_ existing: JobRecord?, _ arrival: JobArrival, now: Date) -> (JobRecord, Write) {
        guard var record = existing else {
            return (JobRecord(sourcePath: arrival.sourcePath, inbox: arrival.inbox, contentHash: arrival.contentHash, kind: arrival.kind, state: .queued, now: now), .insert)
        }
        guard record.state == .waiting || record.state == .cancelled else { return (record, .none) }
        record.state = .queued
        record.updatedAt = now
        return (record, .update)
    }

    /// A worker of `host` (nil: the only host) claims a content to send it.
    ///
    /// - Parameter holderIsAlive: Whether the host that has the job running still heartbeats;
    ///   a job whose host is gone is taken over (and counted as requeued).
    package static func claim(
        _ existing: JobRecord?, _ arrival: JobArrival, parameters: String?, host: String?, holderIsAlive: Bool, now: Date
    ) -> Claim {
        var record = existing ?? JobRecord(sourcePath: arrival.sourcePath, inbox: arrival.inbox, contentHash: arrival.contentHash, kind: arrival.kind, state: .queued, now: now)
        if record.state.isFinished { return .finished }
        if record.state == .running, let holder = record.claimedBy, holder != host {
            if holderIsAlive { return .runningElsewhere(host: holder) }
            record.requeues += 1
        }
        record.state = .running
        record.claimedBy = host
        record.parameters = parameters
        record.attempts += 1
        record.updatedAt = now
        return .start(record, existing == nil ? .insert : .update)
    }

    /// A running job goes back to the queue (the queue paused, the daemon stops), keeping when
    /// its run of failures began.
    package static func requeue(_ record: JobRecord, failingSince: Date?, now: Date) -> JobRecord {
        var record = record
        record.state = .queued
        record.claimedBy = nil
        record.nextAttemptAt = nil
        record.failingSince = failingSince
        record.updatedAt = now
        return record
    }

    /// A job its host left running (the host crashed, or its lease ran out) goes back to the
    /// queue, counted as requeued.
    package static func interrupted(_ record: JobRecord, now: Date) -> JobRecord {
        var record = requeue(record, failingSince: record.failingSince, now: now)
        record.requeues += 1
        return record
    }

    /// Someone deleted a failed job's error note: it is queued again, counted as a manual retry.
    package static func reopen(_ record: JobRecord, now: Date) -> JobRecord? {
        guard record.state == .failed else { return nil }
        var record = record
        record.state = .queued
        record.manualRetries += 1
        record.errorCode = nil
        record.lastError = nil
        record.failingSince = nil
        record.nextAttemptAt = nil
        record.claimedBy = nil
        record.updatedAt = now
        return record
    }

    /// Someone deleted a source's error note: which of its jobs run again. For a file, its
    /// latest job, if it failed (and, with `contentHashes`, is for one of them); for a batch file,
    /// every failed job of its current entries (`contentHashes`; without, of any entry).
    ///
    /// - Parameter jobs: The source's jobs, newest first.
    /// - Returns: The jobs queued again and counted as manual retries; empty when the latest job
    ///   did not fail (the daemon removed the note of a job that then succeeded) or is for other content.
    package static func reopenings(of jobs: [JobRecord], contentHashes: Set<String>?, batch: Bool, now: Date) -> [JobRecord] {
        let chosen: [JobRecord]
        if batch {
            chosen = jobs.filter { contentHashes?.contains($0.contentHash) ?? BatchDocument.isEntryKey($0.contentHash) }
        } else {
            guard let latest = jobs.first, contentHashes?.contains(latest.contentHash) ?? true else { return [] }
            chosen = [latest]
        }
        return chosen.compactMap { reopen($0, now: now) }
    }

    /// A source content fails before any request (it is invalid or unreadable): the job the
    /// ledger has for it, or a new one, becomes failed with the reason.
    package static func refuse(_ existing: JobRecord?, _ arrival: JobArrival, error: ImageInboxError, now: Date) -> JobRecord {
        var record = existing ?? JobRecord(sourcePath: arrival.sourcePath, inbox: arrival.inbox, contentHash: arrival.contentHash, kind: arrival.kind, state: .failed, now: now)
        record.state = .failed
        record.errorCode = error.code.description
        record.lastError = error.message
        record.claimedBy = nil
        record.updatedAt = now
        return record
    }

    /// A job fails for good, with what it cost: `usd` on top of what the ledger already counted
    /// for its unusable answers (`earlier`).
    package static func fail(
        _ record: JobRecord, error: ImageInboxError, usd: Double?, isEstimate: Bool, earlier: (usd: Double?, isEstimate: Bool), now: Date
    ) -> JobRecord {
        var record = record
        record.state = .failed
        record.errorCode = error.code.description
        record.lastError = error.message
        record.requestID = error.requestID ?? record.requestID
        record.nextAttemptAt = nil
        record.pendingDownloads = nil
        record.claimedBy = nil
        record.updatedAt = now
        (record.usdSpent, record.costIsEstimate) = addingCost(usd, isEstimate: isEstimate, to: earlier)
        return record
    }

    /// A job is done: its results and cost, on top of what its unusable answers cost (`earlier`).
    package static func succeed(
        _ record: JobRecord, outputs: String, usd: Double?, isEstimate: Bool, usage: APIUsage, requestID: String?,
        earlier: (usd: Double?, isEstimate: Bool), now: Date
    ) -> JobRecord {
        var record = record
        record.state = .done
        record.errorCode = nil
        record.lastError = nil
        record.failingSince = nil
        record.nextAttemptAt = nil
        record.pendingDownloads = nil
        record.requestID = requestID ?? record.requestID
        record.outputs = outputs
        record.inputTokens = usage.inputTokens
        record.outputTokens = usage.outputTokens
        record.claimedBy = nil
        record.updatedAt = now
        (record.usdSpent, record.costIsEstimate) = addingCost(usd, isEstimate: isEstimate, to: earlier)
        return record
    }

    /// A cost on top of an earlier one: nil when neither was billed; an estimate when either
    /// billed part is.
    package static func addingCost(_ usd: Double?, isEstimate: Bool, to earlier: (usd: Double?, isEstimate: Bool)) -> (Double?, Bool) {
        switch (usd, earlier.usd) {
        case (nil, nil):
            return (nil, false)
        case let (usd, earlierUSD):
            return ((usd ?? 0) + (earlierUSD ?? 0), (usd != nil && isEstimate) || (earlierUSD != nil && earlier.isEstimate))
        }
    }
}
