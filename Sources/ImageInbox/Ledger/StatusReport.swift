package import Foundation
import RawFileNames

/// The ledger as `image-inbox status` shows it, to people or (`--json`) to scripts.
package struct StatusReport: Sendable, Codable, Equatable {
    /// One failed job.
    package struct Failure: Sendable, Codable, Equatable {
        package var source: String
        package var job: String
        package var code: String
        package var message: String
        package var at: Date
    }

    /// One inbox's jobs.
    package struct Inbox: Sendable, Codable, Equatable {
        package var path: String
        /// Jobs by state (`queued`, `running`, `done`, `failed`, `cancelled`), and `retrying`:
        /// the running jobs that failed for now and wait to be tried again.
        package var counts: [String: Int] = [:]
        /// The latest failures, newest first.
        package var failures: [Failure] = []

        package init(path: String) {
            self.path = path
        }
    }

    /// One host sharing the ledger, as its heartbeat shows it.
    package struct Host: Sendable, Codable, Equatable {
        package var id: String
        package var hostname: String
        package var pid: Int
        package var version: String
        package var started: Date
        /// Its last heartbeat.
        package var lastSeen: Date
        /// Its jobs running now.
        package var running: Int
        /// Requests it gives at once while the API's rate limit holds it back (`"3 of 8"`).
        package var rateLimitedConcurrency: String?
        /// The mounts inside its inboxes it polls.
        package var polledMounts: [MountTable.Mount]
    }

    /// A model in use that the provider retires, as of the report.
    package struct RetiringModel: Sendable, Codable, Equatable {
        /// The model id, as it is used.
        package var model: String
        /// The shutdown date, `YYYY-MM-DD`.
        package var shutdownDate: String
        /// The model the provider names as its replacement, if it names one.
        package var replacement: String?
        /// Whole UTC days left; 0 or less: shut down.
        package var daysLeft: Int
        /// The line `status` prints, as `check` does.
        package var notice: String
    }

    /// The ledger's key of the polled mounts the daemon publishes (JSON).
    package static let polledMountsKey = "polled_mounts"

    /// The ledger's key of the retiring models the daemon publishes (JSON, ``ModelRetirement``s).
    package static let retiringModelsKey = "retiring_models"

    /// The retiring models a daemon published (as JSON under ``retiringModelsKey``), counted at `now`.
    static func retiringModels(published json: String?, now: Date) -> [RetiringModel] {
        let retirements = json.flatMap { try? JSONDecoder().decode([ModelRetirement].self, from: Data($0.utf8)) } ?? []
        return retirements.map {
            RetiringModel(model: $0.model, shutdownDate: $0.shutdownDate, replacement: $0.replacement, daysLeft: $0.daysLeft(at: now), notice: $0.notice(at: now))
        }
    }

    /// The polled mounts a daemon published (as JSON under ``polledMountsKey``); none when it
    /// published none.
    static func polledMounts(published json: String?) -> [MountTable.Mount] {
        json.flatMap { try? JSONDecoder().decode([MountTable.Mount].self, from: Data($0.utf8)) } ?? []
    }

    /// The shared ledger read (its URL without the password); nil for a host's own ledger.
    package var ledger: String? = nil
    /// Why the queue is paused, if it is (every host's, with a shared ledger).
    package var paused: String?
    /// Requests given at once while the API's rate limit holds them below the configured
    /// concurrency (`"3 of 8"`); nil when it does not.
    package var rateLimitedConcurrency: String?
    /// The mounts inside inboxes the daemon polls: network and FUSE file systems, where inotify
    /// does not see other machines' writes.
    package var polledMounts: [MountTable.Mount] = []
    /// Dollars spent today (local time).
    package var costToday: Double
    /// The part of ``costToday`` estimated (from credits or tokens) rather than reported in dollars.
    package var estimatedToday: Double
    /// Dollars spent in all.
    package var costTotal: Double
    /// Every inbox that has jobs (by name, with a shared ledger).
    package var inboxes: [Inbox]
    /// The hosts sharing the ledger, by their heartbeats.
    package var hosts: [Host] = []
    /// The models in use that the provider retires, as the daemon last found them.
    package var retiringModels: [RetiringModel] = []

    /// The report as JSON (ISO 8601 dates, sorted keys; a name's bytes that are not UTF-8 as `\\xE9`).
    package var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // Inside JSON strings, so the backslash is escaped: the value reads `caf\xE9.prompt`.
        return RawFileName.readable(String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self), prefix: "\\\\x")
    }

    /// The report as lines a person reads.
    package var text: String {
        var lines = [paused.map { "Paused: \($0)" } ?? "Running normally (not paused)."]
        if let rateLimitedConcurrency { lines.append("Rate limited by the images API: \(rateLimitedConcurrency) requests at once.") }
        if !polledMounts.isEmpty {
            lines.append("Mounts inside inboxes polled every poll_interval (inotify does not see other machines' writes there):")
            lines += polledMounts.map { "  \($0.summary)" }
        }
        lines += retiringModels.map { "warning: \($0.notice)" }
        let estimated = estimatedToday > 0 ? String(format: " ($%.2f of it estimated from credits or tokens)", estimatedToday) : ""
        lines.append(String(format: "Cost: $%.2f today", costToday) + estimated + String(format: ", $%.2f in total.", costTotal))
        let formatter = ISO8601DateFormatter()
        if let ledger {
            let header = "Shared ledger \(ledger), \(hosts.count) host\(hosts.count == 1 ? "" : "s") heartbeating:"
            let hostLines = hosts.map { host in
                let limited = host.rateLimitedConcurrency.map { ", rate limited to \($0) requests at once" } ?? ""
                let polled = host.polledMounts.isEmpty ? "" : ", polling \(host.polledMounts.map(\.summary).joined(separator: ", "))"
                return "  \(host.hostname) pid \(host.pid) [host \(host.id), \(host.version)]: \(host.running) running, "
                    + "last heartbeat \(formatter.string(from: host.lastSeen))\(limited)\(polled)"
            }
            lines = [header] + hostLines + lines
        }
        if inboxes.isEmpty { lines.append("No jobs yet.") }
        for inbox in inboxes {
            let counts = ["queued", "running", "done", "failed", "cancelled"].compactMap { state in
                inbox.counts[state].map { count in
                    let retrying = state == "running" ? inbox.counts["retrying"].map { " (\($0) retrying)" } ?? "" : ""
                    return "\(count) \(state)\(retrying)"
                }
            }
            lines.append("")
            lines.append("\(inbox.path.isEmpty ? "(inbox unknown)" : inbox.path): \(counts.joined(separator: ", "))")
            for failure in inbox.failures {
                let name = failure.source.hasPrefix(inbox.path + "/") ? String(failure.source.dropFirst(inbox.path.count + 1)) : failure.source
                lines.append("  failed \(name) [job \(failure.job), \(formatter.string(from: failure.at))]: \(failure.message)")
            }
        }
        // A file name's bytes that are not UTF-8 show as `\xE9`.
        return lines.map { RawFileName.shown($0) }.joined(separator: "\n")
    }
}
