import Foundation
import NIOSSL
import PostgresNIO

/// Where a shared ledger is: a `postgres://` URL as libpq takes it, with the password kept
/// apart (from `ledger_password_file`, systemd's `LoadCredential=`, or the URL) and never shown.
///
/// `sslmode` follows libpq: `disable`; `prefer` (the default) and `require` encrypt without
/// checking the certificate; `verify-ca` checks it against the trusted roots; `verify-full`
/// checks the host name as well.
package struct LedgerURL: Sendable, Equatable, CustomStringConvertible {
    /// libpq's `sslmode`.
    package enum TLSMode: String, Sendable, CaseIterable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    /// The server's host name or address.
    package var host: String
    /// Its port (5432 unless the URL says otherwise).
    package var port: Int
    /// The role the daemon logs in as.
    package var user: String
    /// The database that holds the ledger.
    package var database: String
    /// How the connection is encrypted and the server's certificate checked.
    package var tlsMode: TLSMode
    /// The file of trusted roots (`sslrootcert`), for the verifying modes; the system's otherwise.
    package var rootCertificateFile: String?
    /// The role's password; never part of ``description``.
    package var password: String?

    /// Parses `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE&sslrootcert=FILE]`.
    ///
    /// - Throws: ``ImageInboxError`` `invalidConfiguration` saying what is wrong.
    package init(_ text: String) throws(ImageInboxError) {
        func invalid(_ why: String) -> ImageInboxError {
            ImageInboxError(code: .invalidConfiguration, message: "ledger_url \(why); it looks like postgres://image-inbox@db.example/inbox?sslmode=require.")
        }
        guard let components = URLComponents(string: text), ["postgres", "postgresql"].contains(components.scheme ?? "") else {
            throw invalid("is not a postgres:// URL")
        }
        guard let host = components.host, !host.isEmpty else { throw invalid("names no host") }
        guard let user = components.user, !user.isEmpty else { throw invalid("names no user") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw invalid("names no database") }
        self.host = host
        self.port = components.port ?? 5432
        self.user = user.removingPercentEncoding ?? user
        self.database = database
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        var mode = TLSMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw invalid("has sslmode '\(item.value ?? "")', not one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                mode = value
            case "sslrootcert":
                rootCertificateFile = item.value
            default:
                throw invalid("has the parameter '\(item.name)', which image-inbox does not take (sslmode and sslrootcert are)")
            }
        }
        self.tlsMode = mode
    }

    /// The URL without its password, for logs and `status`.
    package var description: String {
        "postgres://\(user)@\(host)\(port == 5432 ? "" : ":\(port)")/\(database)?sslmode=\(tlsMode.rawValue)"
    }

    /// The TLS settings libpq's mode asks for: postgres-nio's `.require` verifies the
    /// certificate by default, so each mode is mapped explicitly.
    func tlsConfiguration() -> TLSConfiguration? {
        guard tlsMode != .disable else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        switch tlsMode {
        case .disable, .prefer, .require:
            tls.certificateVerification = .none
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
        case .verifyFull:
            tls.certificateVerification = .fullVerification
        }
        if let rootCertificateFile { tls.trustRoots = .file(rootCertificateFile) }
        return tls
    }

    /// The pool's configuration.
    func clientConfiguration(connections: Int) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch (tlsMode, tlsConfiguration()) {
            case (.prefer, let tls?): .prefer(tls)
            case (_, let tls?): .require(tls)
            case (_, nil): .disable
            }
        var configuration = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.maximumConnections = connections
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = [("application_name", "image-inbox")]
        return configuration
    }

    /// One connection's configuration (the listener's, outside the pool).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch (tlsMode, tlsConfiguration()) {
            case (.prefer, let tls?): .prefer(try NIOSSLContext(configuration: tls))
            case (_, let tls?): .require(try NIOSSLContext(configuration: tls))
            case (_, nil): .disable
            }
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = [("application_name", "image-inbox")]
        return configuration
    }

    /// The password from `file`, else from systemd's credential `ledger-password`, else the URL's.
    ///
    /// - Throws: ``ImageInboxError`` `invalidConfiguration` when the file can't be read.
    package mutating func readPassword(file: String?, credentialsDirectory: String?) throws(ImageInboxError) {
        let credential = credentialsDirectory.map { $0 + "/ledger-password" }
        guard let path = file ?? credential.flatMap({ FileManager.default.fileExists(atPath: $0) ? $0 : nil }) else { return }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImageInboxError(code: .invalidConfiguration, message: "Can't read the ledger's password file '\(path)'. Check that it exists and the daemon's user may read it.")
        }
        password = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
