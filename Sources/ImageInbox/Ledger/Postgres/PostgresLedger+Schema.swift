import PostgresNIO

extension PostgresLedger {
    /// The schema's history, applied in order. Shipped migrations are never edited; changes
    /// are new ones.
    static let migrations: [(version: String, statements: [String])] = [
        (
            "v1: jobs keyed by inbox name and path, hosts, shared state",
            [
                """
                CREATE TABLE job (
                    id text PRIMARY KEY,
                    inbox text NOT NULL,
                    path bytea NOT NULL,
                    content_key text NOT NULL,
                    kind text NOT NULL,
                    state text NOT NULL,
                    parameters text,
                    attempts bigint NOT NULL DEFAULT 0,
                    requeues bigint NOT NULL DEFAULT 0,
                    manual_retries bigint NOT NULL DEFAULT 0,
                    error_code text,
                    last_error text,
                    outputs text NOT NULL DEFAULT '[]',
                    usd_spent double precision,
                    cost_is_estimate boolean NOT NULL DEFAULT false,
                    input_tokens bigint,
                    output_tokens bigint,
                    failing_since timestamptz,
                    next_attempt_at timestamptz,
                    request_id text,
                    pending_downloads text,
                    claimed_by text,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    UNIQUE (inbox, path, content_key)
                )
                """,
                "CREATE INDEX job_on_state ON job (state)",
                "CREATE INDEX job_on_updated_at ON job (updated_at)",
                "CREATE INDEX job_on_claimed_by ON job (claimed_by) WHERE claimed_by IS NOT NULL",
                """
                CREATE TABLE host (
                    id text PRIMARY KEY,
                    hostname text NOT NULL,
                    pid bigint NOT NULL,
                    version text NOT NULL,
                    started_at timestamptz NOT NULL,
                    last_seen timestamptz NOT NULL,
                    concurrency text,
                    polled_mounts text
                )
                """,
                "CREATE TABLE shared_state (key text PRIMARY KEY, value text NOT NULL, updated_at timestamptz NOT NULL)",
                "CREATE TABLE inbox_mount (hostname text NOT NULL, folder text NOT NULL, name text NOT NULL, PRIMARY KEY (hostname, folder))",
            ]
        )
    ]

    /// The schema version this build writes.
    package static var schemaVersion: Int { migrations.count }

    /// Brings the schema up to date under an advisory lock, so that hosts starting together
    /// migrate once.
    func migrate() async throws {
        try await withOwnConnection { connection in
            // Any number, the same on every host: 'image-inbox' as bytes.
            try await connection.query("SELECT pg_advisory_lock(7598817221462468974)", logger: logger)
            do {
                try await connection.query(
                    "CREATE TABLE IF NOT EXISTS image_inbox_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                    logger: logger
                )
                let applied = Set(try await connection.query(PostgresQuery(unsafeSQL: "SELECT version FROM image_inbox_migrations"), logger: logger).decode(String.self).elements())
                for migration in Self.migrations where !applied.contains(migration.version) {
                    try await connection.query("BEGIN", logger: logger)
                    do {
                        for statement in migration.statements {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        try await connection.query("INSERT INTO image_inbox_migrations (version) VALUES (\(migration.version))", logger: logger)
                        try await connection.query("COMMIT", logger: logger)
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        throw error
                    }
                    logger.notice("Ledger schema brought up to date", metadata: ["ledger.migration": "\(migration.version)"])
                }
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(7598817221462468974)", logger: logger)
                throw error
            }
            try await connection.query("SELECT pg_advisory_unlock(7598817221462468974)", logger: logger)
        }
    }

    /// Runs `body` on a connection of its own, made now: a server that is away or a wrong
    /// password fails at once, where the pool would keep trying.
    func withOwnConnection<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let connection = try await PostgresConnection.connect(configuration: url.connectionConfiguration(tls: tls), id: 0, logger: logger)
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The schema versions the server has, without changing anything (for `image-inbox check`).
    package func appliedMigrations() async throws -> Int {
        try await withOwnConnection { connection in
            let exists = try await connection.query(PostgresQuery(unsafeSQL: "SELECT to_regclass('image_inbox_migrations') IS NOT NULL"), logger: logger)
                .decode(Bool.self).elements()
            guard exists.first == true else { return 0 }
            return try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM image_inbox_migrations"), logger: logger)
                .decode(Int.self).elements().first ?? 0
        }
    }
}
