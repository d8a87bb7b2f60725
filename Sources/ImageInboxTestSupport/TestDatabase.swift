import Foundation
package import ImageInbox
package import Logging
import PostgresNIO

/// Fresh PostgreSQL databases for tests, on the throwaway server `Tests/with-postgres` starts
/// (`IMAGE_INBOX_TEST_POSTGRES_URL`, and its superuser's `IMAGE_INBOX_TEST_POSTGRES_ADMIN`).
package enum TestDatabase {
    /// Whether a server for tests runs (the shared-ledger tests are skipped without one).
    package static var isAvailable: Bool { ProcessInfo.processInfo.environment["IMAGE_INBOX_TEST_POSTGRES_URL"] != nil }

    /// A logger that says nothing, for ledgers in tests.
    package static let quietLogger = Logger(label: "image-inbox-test") { _ in SwiftLogNoOpLogHandler() }

    /// A new empty database, owned by the tests' role: its URL.
    package static func make() async throws -> LedgerURL {
        let environment = ProcessInfo.processInfo.environment
        guard let test = environment["IMAGE_INBOX_TEST_POSTGRES_URL"], let admin = environment["IMAGE_INBOX_TEST_POSTGRES_ADMIN"] else {
            throw ImageInboxError(code: .ledgerFailed, message: "No PostgreSQL server for tests: run them through Tests/with-postgres.")
        }
        var url = try LedgerURL(test)
        let name = "test_" + JobRecord.makeID()
        try await withAdminConnection(try LedgerURL(admin)) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) OWNER \(url.user)"), logger: quietLogger)
        }
        url.database = name
        return url
    }

    /// Runs SQL as the server's superuser in `database` (to age a host's heartbeat, say).
    package static func execute(_ sql: String, in database: String) async throws {
        guard let admin = ProcessInfo.processInfo.environment["IMAGE_INBOX_TEST_POSTGRES_ADMIN"] else { return }
        var url = try LedgerURL(admin)
        url.database = database
        try await withAdminConnection(url) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: quietLogger)
        }
    }

    private static func withAdminConnection(_ url: LedgerURL, _ body: (PostgresConnection) async throws -> Void) async throws {
        let configuration = PostgresConnection.Configuration(host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: quietLogger)
        do {
            try await body(connection)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }
}
