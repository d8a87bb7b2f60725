package import Foundation
import GRDB

/// Where a job is in its life.
package enum JobState: String, Sendable, Codable, DatabaseValueConvertible, CaseIterable {
    /// Parts of a bundle are still missing.
    case waiting
    /// Accepted, not yet sent.
    case queued
    /// A request is in flight.
    case running
    /// The results are written.
    case done
    /// Failed for good; the reason is in `lastError` and the folder's error file.
    case failed
    /// The source went away before the job ran.
    case cancelled

    /// Whether the job will not run again for the same content.
    package var isFinished: Bool { self == .done || self == .failed }

    /// The states of jobs that will not run again.
    package static let finished = allCases.filter(\.isFinished)
    /// The states of jobs that are not over.
    package static let open: [JobState] = [.queued, .running, .waiting]

    /// The state as an SQL literal: both stores' statements name states through the enum.
    package var sql: String { "'\(rawValue)'" }

    /// States as an SQL list, `('done', 'failed')`.
    package static func sql(_ states: [JobState]) -> String {
        "(" + states.map(\.sql).joined(separator: ", ") + ")"
    }
}

/// One job in the ledger: a source at one content hash, and what became of it.
package struct JobRecord: Sendable, Codable, Equatable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "job"

    /// A short random id, shown in error files and the journal (`IMAGE_INBOX_JOB`).
    package var id: String
    /// The source file's path.
    package var sourcePath: String
    /// The inbox the source is in.
    package var inbox: String
    /// The SHA-256 of the source's bytes (of every part, for a bundle).
    package var contentHash: String
    /// `generation` or `edit`.
    package var kind: String
    /// Where the job is.
    package var state: JobState
    /// The resolved parameters, as JSON.
    package var parameters: String?
    /// How many times a request was started.
    package var attempts: Int
    /// How many times the job was found running after a crash and put back in the queue.
    package var requeues: Int
    /// How many times someone asked for the failed job again by deleting its error note.
    package var manualRetries: Int
    /// The error code of the last failure.
    package var errorCode: String?
    /// The last failure's message.
    package var lastError: String?
    /// The result paths, as a JSON array.
    package var outputs: String
    /// Dollars spent, as the provider reported or as estimated from tokens.
    package var usdSpent: Double?
    /// Whether ``usdSpent`` is an estimate from token usage and a price table.
    package var costIsEstimate: Bool
    /// Input tokens used.
    package var inputTokens: Int?
    /// Output tokens used.
    package var outputTokens: Int?
    /// When the job's current run of transient failures began (kept across restarts, so that
    /// its retry horizon is too); nil while it has not failed.
    package var failingSince: Date?
    /// When a job that failed for now is tried next; set only while it waits for that.
    package var nextAttemptAt: Date?
    /// The provider's id of the job's last request (`x-request-id`), for its support.
    package var requestID: String?
    /// Answers paid for whose `url` results are not downloaded yet, as a JSON array of
    /// ``PendingDownload``; nil when there are none.
    package var pendingDownloads: String?
    /// The host whose worker runs the job (in a ledger shared by several hosts); nil while no
    /// host does, and always in a ledger of one host.
    package var claimedBy: String?
    /// When the job was first recorded.
    package var createdAt: Date
    /// When it last changed.
    package var updatedAt: Date

    package init(
        id: String = JobRecord.makeID(),
        sourcePath: String,
        inbox: String = "",
        contentHash: String,
        kind: String,
        state: JobState,
        now: Date
    ) {
        self.id = id
        self.sourcePath = sourcePath
        self.inbox = inbox
        self.contentHash = contentHash
        self.kind = kind
        self.state = state
        self.attempts = 0
        self.requeues = 0
        self.manualRetries = 0
        self.costIsEstimate = false
        self.outputs = "[]"
        self.createdAt = now
        self.updatedAt = now
    }

    /// The result paths.
    package var outputPaths: [String] {
        (try? JSONDecoder().decode([String].self, from: Data(outputs.utf8))) ?? []
    }

    /// The answers paid for whose results are still to be downloaded.
    package var pendingDownloadList: [PendingDownload] {
        pendingDownloads.flatMap { try? JSONDecoder().decode([PendingDownload].self, from: Data($0.utf8)) } ?? []
    }

    /// A new job id: 12 lower-case hex digits.
    package static func makeID() -> String {
        let value = UInt64.random(in: 0...UInt64.max) & 0xFFFF_FFFF_FFFF
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 12 - hex.count) + hex
    }
}
