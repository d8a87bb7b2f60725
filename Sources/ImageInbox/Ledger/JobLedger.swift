package import Foundation

/// One source content to record as waiting for a worker.
package struct JobArrival: Sendable {
    package var sourcePath: String
    package var inbox: String
    package var contentHash: String
    package var kind: String

    package init(sourcePath: String, inbox: String, contentHash: String, kind: String) {
        self.sourcePath = sourcePath
        self.inbox = inbox
        self.contentHash = contentHash
        self.kind = kind
    }
}

/// A job waiting for a worker in a shared ledger (recorded by a host that found its file, or
/// let go of by one that stopped), as this host finds its source.
package struct QueuedJob: Sendable, Equatable {
    /// The inbox's folder on this host.
    package var inbox: String
    /// The source's path on this host.
    package var sourcePath: String

    package init(inbox: String, sourcePath: String) {
        self.inbox = inbox
        self.sourcePath = sourcePath
    }
}

/// What a ledger shared with other hosts tells this one while it runs.
package enum LedgerEvent: Sendable, Equatable {
    /// Jobs waiting for a worker in inboxes this host serves, that another host recorded (its
    /// watcher saw the file first: a host polling a network share need not wait for its next
    /// poll) or let go of (it stopped, or its lease ran out): take them up.
    case queued([QueuedJob])
    /// A host paused every host's queue, with why; nil: a probe found the API answering again.
    case pause(String?)
}

/// The job ledger: every job, its state, results and cost, and what the daemon publishes for
/// `image-inbox status`.
///
/// Two stores keep it: ``SQLiteLedger`` (the embedded default, one host) and ``PostgresLedger``
/// (several hosts sharing inboxes). The job's life is the same in both
/// (``JobRecord/Lifecycle``); one contract test suite runs against each.
package protocol JobLedger: Sendable {
    /// Whether other hosts share this ledger (and so its jobs, budget and pause).
    var isShared: Bool { get }
    /// What other hosts did that this one acts on; finishes at once for a ledger of one host.
    var events: AsyncStream<LedgerEvent> { get }

    /// The finished (done or failed) job for this source content, if there is one.
    func finishedJob(sourcePath: String, contentHash: String) async throws -> JobRecord?
    /// Records that these source contents wait for a worker: a new job each, or the unfinished
    /// one an earlier run left. A finished or running job is returned as it is.
    func enqueue(_ arrivals: [JobArrival], now: Date) async throws -> [JobRecord]
    /// Claims this source content for this host and starts an attempt: the job becomes running
    /// and its attempt count goes up.
    ///
    /// - Returns: The running job, or nil when there is nothing to send: the content is done or
    ///   failed for good, or another host runs it now.
    func beginJob(sourcePath: String, inbox: String, contentHash: String, kind: String, parameters: String?, now: Date) async throws -> JobRecord?
    /// Puts a source's failed jobs back in the queue because someone deleted the error note
    /// (see ``SQLiteLedger/reopenFailedJobs(sourcePath:contentHashes:batch:now:)``).
    func reopenFailedJobs(sourcePath: String, contentHashes: Set<String>?, batch: Bool, now: Date) async throws -> [JobRecord]
    /// The failed jobs of a source (a batch file's failed entries).
    func failedJobs(sourcePath: String) async throws -> [JobRecord]
    /// The content keys a source's jobs finished with (a batch file's entries done or failed).
    func finishedContentHashes(sourcePath: String) async throws -> Set<String>
    /// Records that an edit bundle waits for parts.
    func recordWaiting(sourcePath: String, inbox: String, contentHash: String, now: Date) async throws -> JobRecord
    /// Ends the waits of a bundle whose parts have all arrived.
    func cancelWaitingJobs(sourcePath: String, now: Date) async throws
    /// When the bundle that has waited longest for parts began waiting, if any waits.
    func earliestWait() async throws -> Date?
    /// The bundles waiting for parts since before `date`.
    func waitingJobs(since date: Date) async throws -> [JobRecord]
    /// Puts a running job back in the queue (paused, or stopping), with its `failingSince`.
    func requeue(_ record: JobRecord, now: Date) async throws
    /// Records an answer paid for whose results are about to be downloaded.
    func recordPendingDownload(jobID: String, _ pending: PendingDownload, now: Date) async throws
    /// Records that a running job failed for now and is tried again at `nextAttempt`.
    func recordRetry(_ record: JobRecord, error: ImageInboxError, failingSince: Date, nextAttempt: Date, now: Date) async throws
    /// Marks the queued jobs of a source that went away before they ran.
    func cancelQueuedJobs(sourcePath: String, now: Date) async throws
    /// Puts back in the queue the jobs a crash of this host left running.
    ///
    /// - Returns: How many there were.
    func requeueInterrupted(now: Date) async throws -> Int
    /// Records that this source content failed before any request.
    func recordFailure(sourcePath: String, inbox: String, contentHash: String, kind: String, error: ImageInboxError, now: Date) async throws -> JobRecord
    /// Adds the cost of an answer billed but unusable to a running job, at once.
    func addCost(jobID: String, usd: Double, now: Date) async throws
    /// Records a job that failed for good, with what it was billed if it was.
    func recordFailure(_ record: JobRecord, error: ImageInboxError, billedUSD: Double?, costIsEstimate: Bool, now: Date) async throws
    /// Records a job's results and cost (on top of what its unusable answers cost).
    func recordSuccess(_ record: JobRecord, outputs: [String], usage: APIUsage, estimatedUSD: Double?, requestID: String?, now: Date) async throws
    /// Records where a finished job's results were written, once they were.
    func recordOutputs(jobID: String, outputs: [String], now: Date) async throws
    /// Dollars spent by jobs that ended since `date` (on every host sharing the ledger).
    func cost(since date: Date) async throws -> Double
    /// Dollars spent since `date` by the jobs of files in `folder` and below it.
    func cost(since date: Date, inFolder folder: String) async throws -> Double
    /// Dollars spent and jobs failed since `date`, for the status line.
    func figures(since date: Date) async throws -> (usd: Double, failed: Int)
    /// The models of the jobs recorded or run since `date` (on every host sharing the ledger),
    /// as their parameters named them: the models in use, for ``ModelRetirementWatch``. Jobs
    /// that failed before their parameters were known name none.
    func modelsUsed(since date: Date) async throws -> Set<String>
    /// Sets (or with nil, clears) one of the daemon's published facts: `paused` (every host's,
    /// in a shared ledger), `concurrency` and the polled mounts (this host's).
    func setDaemonState(_ key: String, _ value: String?, now: Date) async throws
    /// The daemon's published facts (in a shared ledger, the hosts' shared ones).
    func daemonState() async throws -> [String: String]
    /// The jobs that are not over, by inbox and state, and today's spend (for the metrics).
    func openJobs(today now: Date) async throws -> (counts: [String: [String: Int]], spentToday: Double)
    /// What `image-inbox status` shows.
    func status(now: Date, failuresPerInbox: Int) async throws -> StatusReport
}

extension JobLedger {
    /// Records a job's results found without a request (no cost of its own).
    package func recordSuccess(_ record: JobRecord, outputs: [String], usage: APIUsage, now: Date) async throws {
        try await recordSuccess(record, outputs: outputs, usage: usage, estimatedUSD: nil, requestID: nil, now: now)
    }

    /// What `image-inbox status` shows, with the ten latest failures per inbox.
    package func status(now: Date) async throws -> StatusReport {
        try await status(now: now, failuresPerInbox: 10)
    }

    /// Records that this source content waits for a worker (see ``enqueue(_:now:)``).
    package func enqueue(sourcePath: String, inbox: String, contentHash: String, kind: String, now: Date) async throws -> JobRecord {
        try await enqueue([JobArrival(sourcePath: sourcePath, inbox: inbox, contentHash: contentHash, kind: kind)], now: now)[0]
    }
}
