#if canImport(Glibc)
import Glibc
#endif
import Foundation
package import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The job ledger in PostgreSQL, shared by every host that serves the same inboxes.
///
/// Jobs are keyed by (inbox name, path inside the inbox, content key), so hosts that mount one
/// share at different places share its jobs; every host records what it finds (idempotently),
/// and a worker claims a job before it pays for it (``JobLifecycle/claim(_:_:parameters:host:holderIsAlive:now:)``
/// under `FOR UPDATE SKIP LOCKED`). Each host heartbeats; the jobs of a host whose heartbeat
/// stopped for the lease are released and taken by the others. Jobs recorded or released are
/// announced (`LISTEN`/`NOTIFY`), so an idle host never asks the database for work and a
/// host polling a network share hears of a file another host saw first. The daily spend and the pause are every host's.
///
/// Run it as a service of the daemon's group, before the runner: it stops last.
package final class PostgresLedger: JobLedger, Service {
    package var isShared: Bool { true }
    package let events: AsyncStream<LedgerEvent>
    let eventSink: AsyncStream<LedgerEvent>.Continuation
    let client: PostgresClient
    /// The pool's own loop, from open to close.
    private let clientTask: Task<Void, Never>
    let url: LedgerURL
    /// How its connections are encrypted, with the trusted roots read once, at open.
    let tls: LedgerTLS.Settings
    let inboxes: SharedInboxes
    /// This process's id among the hosts: a new one at each start.
    package let hostID: String
    /// How long a host's jobs stay its own after its last heartbeat.
    let lease: Duration
    let logger: Logger
    let metrics: DaemonMetrics?
    /// The channels listened on now (news from other hosts arrives while both are).
    private let channelsListenedOn = Mutex(0)

    /// Whether news from other hosts (jobs queued, pauses) reaches this one now.
    package var isListening: Bool { channelsListenedOn.withLock { $0 } == 2 }

    /// Channels every host listens on.
    static let queuedChannel = "image_inbox_queued"
    static let pauseChannel = "image_inbox_pause"

    /// What a process opens the ledger for.
    package enum Access: Sendable {
        /// A daemon: the schema brought up to date, this host entered among the hosts, its
        /// inboxes checked against the names the ledger knows them by.
        case daemon
        /// Writing history into it (`ledger copy`): the schema brought up to date.
        case migrate
        /// Reading it (`status`, `check`): nothing changed; a schema of another version refused.
        case read
    }

    /// Connects and gets the ledger ready for `access`; the schema is migrated once, whichever
    /// host starts first.
    ///
    /// - Parameters:
    ///   - inboxes: This host's inboxes by name.
    ///   - lease: How long a silent host keeps its jobs; it heartbeats three times in that time.
    /// - Throws: ``ImageInboxError`` `ledgerFailed` naming the server (never the password) and why;
    ///   `invalidConfiguration` naming a `sslrootcert` that can't be read.
    package static func open(
        _ url: LedgerURL, inboxes: SharedInboxes, lease: Duration = .seconds(30), concurrency: Int = 4,
        access: Access, metrics: DaemonMetrics? = nil, logger: Logger
    ) async throws(ImageInboxError) -> PostgresLedger {
        let tls = try url.tls.settings()
        let ledger = PostgresLedger(url: url, tls: tls, inboxes: inboxes, lease: lease, connections: max(4, concurrency + 2), metrics: metrics, logger: logger)
        do {
            switch access {
            case .daemon:
                try await ledger.migrate()
                try await ledger.refuseRenamedInboxes()
                try await ledger.registerHost()
            case .migrate:
                try await ledger.migrate()
            case .read:
                let applied = try await ledger.appliedMigrations()
                guard applied == schemaVersion else {
                    throw ImageInboxError(
                        code: .ledgerFailed,
                        message: applied == 0
                            ? "The job ledger at \(url) has no image-inbox schema yet: start a daemon with it once."
                            : "The job ledger at \(url) has schema version \(applied); this image-inbox reads version \(schemaVersion). Start a daemon of this version with it once."
                    )
                }
            }
        } catch let error as ImageInboxError {
            ledger.close()
            throw error
        } catch {
            ledger.close()
            throw ImageInboxError(
                code: .ledgerFailed,
                message: "Can't use the job ledger at \(url): \(Self.describe(error)). Check that the server runs, that ledger_url names it (and its sslmode and sslrootcert fit the server's certificate), and the password.",
                cause: error
            )
        }
        return ledger
    }

    private init(url: LedgerURL, tls: LedgerTLS.Settings, inboxes: SharedInboxes, lease: Duration, connections: Int, metrics: DaemonMetrics?, logger: Logger) {
        self.url = url
        self.tls = tls
        self.inboxes = inboxes
        self.lease = lease
        self.metrics = metrics
        self.logger = logger
        self.hostID = JobRecord.makeID()
        let client = PostgresClient(configuration: url.clientConfiguration(connections: connections, tls: tls), backgroundLogger: logger)
        self.client = client
        // The pool runs from open to close: one-shot commands use it without a service group.
        self.clientTask = Task { await client.run() }
        (events, eventSink) = AsyncStream.makeStream(of: LedgerEvent.self)
    }

    /// Ends the pool (one-shot commands; the daemon's service does it as it stops).
    package func close() {
        eventSink.finish()
        clientTask.cancel()
    }

    /// Heartbeats, releases the jobs of hosts gone silent, and listens for other hosts' news,
    /// until the daemon stops; then leaves the hosts and closes the pool.
    package func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.heartbeat() }
            group.addTask { await self.listen() }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        do {
            try await client.query("DELETE FROM host WHERE id = \(hostID)", logger: logger)
        } catch {
            logger.warning("Can't remove this host from the ledger's hosts; the others drop it after the lease", metadata: ["error": "\(Self.describe(error))"])
        }
        close()
    }

    /// A database error as a person reads it (postgres-nio's description hides the server's message).
    package static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            return "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
        }
        return "\(error)"
    }

    private func heartbeat() async {
        var unreachable = false
        // Other hosts' jobs are released only by a host that has heartbeated for a whole lease:
        // after the server itself was away, every host's heartbeat is old, and the first one
        // back must not take the jobs of the others before they heartbeat again.
        var heartbeatingSince: ContinuousClock.Instant? = .now
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: lease / 3)
            } catch {
                return
            }
            do {
                let rows = try await client.query("UPDATE host SET last_seen = now() WHERE id = \(hostID) RETURNING id", logger: logger)
                if try await rows.collect().isEmpty {
                    // Silent for longer than the lease: the others took this host's jobs.
                    logger.warning("This host's lease ran out (the ledger did not hear from it); its running jobs were released to the other hosts")
                    try await registerHost()
                }
                let since = heartbeatingSince ?? .now
                heartbeatingSince = since
                let released = ContinuousClock.now - since >= lease ? try await releaseJobsOfGoneHosts(now: Date()) : 0
                if released > 0 {
                    logger.notice("Jobs of a host that stopped heartbeating were released to every host", metadata: ["job.count": "\(released)"])
                }
                if unreachable {
                    unreachable = false
                    logger.notice("The job ledger answers again", metadata: ["ledger": "\(url)"])
                }
            } catch {
                heartbeatingSince = nil
                if !unreachable {
                    unreachable = true
                    logger.error("Can't reach the job ledger; no new jobs start until it answers", metadata: ["ledger": "\(url)", "error": "\(Self.describe(error))"])
                }
            }
        }
    }

    private func listen() async {
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(configuration: url.connectionConfiguration(tls: tls), id: 1, logger: logger)
                try await withTaskCancellationHandler {
                    try await withThrowingDiscardingTaskGroup { group in
                        group.addTask {
                            try await connection.listen(on: Self.queuedChannel) { notifications in
                                self.channelsListenedOn.withLock { $0 += 1 }
                                defer { self.channelsListenedOn.withLock { $0 -= 1 } }
                                for try await notification in notifications { try await self.received(queued: notification.payload) }
                            }
                        }
                        group.addTask {
                            try await connection.listen(on: Self.pauseChannel) { notifications in
                                self.channelsListenedOn.withLock { $0 += 1 }
                                defer { self.channelsListenedOn.withLock { $0 -= 1 } }
                                for try await notification in notifications { self.received(pause: notification.payload) }
                            }
                        }
                    }
                } onCancel: {
                    Task { try? await connection.close() }
                }
            } catch {
                guard !Task.isCancelled else { return }
                logger.warning("The ledger's notifications stopped, listening again in 5 s", metadata: ["error": "\(Self.describe(error))"])
                try? await Task.sleep(for: .seconds(5))
            }
        }
    }

    /// A notification's news: its payload is ORIGIN<TAB>NEWS; nil when it is this host's own
    /// (the origin is empty when it is every host's).
    private func news(in payload: String) -> Substring? {
        let parts = payload.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] != hostID else { return nil }
        return parts[1]
    }

    private func received(queued payload: String) async throws {
        guard let news = news(in: payload) else { return }
        let ids = news.split(separator: ",").map(String.init)
        let rows = try await client.query("SELECT inbox, path FROM job WHERE id = ANY(\(ids)) AND state = \(unescaped: JobState.queued.sql)", logger: logger)
        var jobs: [QueuedJob] = []
        for try await (inbox, path) in rows.decode((String, Data).self) {
            let local = inboxes.local(inbox: inbox, path: Array(path))
            if local.served { jobs.append(QueuedJob(inbox: local.inbox, sourcePath: local.sourcePath)) }
        }
        if !jobs.isEmpty { eventSink.yield(.queued(jobs)) }
    }

    private func received(pause payload: String) {
        // The reason; an empty one lifts the pause.
        guard let reason = news(in: payload) else { return }
        eventSink.yield(.pause(reason.isEmpty ? nil : String(reason)))
    }

    /// Enters this host among the hosts (again, after its lease ran out); its rate-limited
    /// concurrency is published by its runner.
    func registerHost() async throws {
        let hostname = ProcessInfo.processInfo.hostName
        let pid = Int(getpid())
        try await client.query(
            """
            INSERT INTO host (id, hostname, pid, version, started_at, last_seen)
            VALUES (\(hostID), \(hostname), \(pid), \(ImageInboxVersion.current), now(), now())
            ON CONFLICT (id) DO UPDATE SET last_seen = now()
            """,
            logger: logger
        )
    }

    /// Refuses inboxes this host knew by another name that has history: a rename would pay again
    /// for every finished job.
    func refuseRenamedInboxes() async throws {
        let hostname = ProcessInfo.processInfo.hostName
        for folder in inboxes.folders {
            let rows = try await client.query(
                """
                SELECT m.name FROM inbox_mount m WHERE m.hostname = \(hostname) AND m.folder = \(folder.path) AND m.name <> \(folder.name)
                AND EXISTS (SELECT 1 FROM job WHERE job.inbox = m.name)
                """,
                logger: logger
            )
            if let old = try await rows.decode(String.self).elements().first {
                throw ImageInboxError(
                    code: .invalidConfiguration,
                    message: "The inbox \(folder.path) is named '\(folder.name)', but the ledger knows it as '\(old)' and has its jobs: "
                        + "renamed, every finished file would be paid for again. Name it '\(old)' again (--inbox \(old)=\(folder.path))."
                )
            }
            try await client.query(
                """
                INSERT INTO inbox_mount (hostname, folder, name) VALUES (\(hostname), \(folder.path), \(folder.name))
                ON CONFLICT (hostname, folder) DO UPDATE SET name = excluded.name
                """,
                logger: logger
            )
        }
    }
}
