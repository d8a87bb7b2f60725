import Foundation
import PostgresNIO

/// Where a shared ledger is: a `postgres://` URL as libpq takes it, with the password kept
/// apart (from `ledger_password_file`, systemd's `LoadCredential=`, or the URL) and never shown.
///
/// `sslmode` follows libpq: `disable`; `prefer` (the default) and `require` encrypt without
/// checking the certificate; `verify-ca` checks it against the trusted roots; `verify-full`
/// checks the host name as well. ``LedgerTLS`` holds the details.
package struct LedgerURL: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
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
    /// The file of trusted roots (`sslrootcert`); the system's when nil or `system`.
    package var rootCertificateFile: String?
    /// The role's password; never part of ``description``.
    package var password: String?
    /// The file ``password`` was read from (`ledger_password_file` or systemd's credential
    /// `ledger-password`); nil when it is the URL's own, or there is none.
    package internal(set) var passwordFile: String?

    /// Parses `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE&sslrootcert=FILE]`.
    ///
    /// As in libpq, `sslrootcert=system` trusts the system's roots and asks for `verify-full`.
    ///
    /// - Throws: ``ImageInboxError`` `invalidConfiguration` saying what is wrong.
    package init(_ text: String) throws(ImageInboxError) {
        func invalid(_ why: String) -> ImageInboxError {
            ImageInboxError(code: .invalidConfiguration, message: "ledger_url \(why); it looks like postgres://image-inbox@db.example/inbox?sslmode=verify-full.")
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
        var mode: TLSMode?
        var rootFile: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw invalid("has sslmode '\(item.value ?? "")', not one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                mode = value
            case "sslrootcert":
                rootFile = item.value.flatMap { $0.isEmpty ? nil : $0 }
            default:
                throw invalid("has the parameter '\(item.name)', which image-inbox does not take (sslmode and sslrootcert are)")
            }
        }
        // libpq's rule: any certificate the system trusts is easy to get for a host one controls,
        // so the system's roots mean something only when the host name is checked too.
        if rootFile == "system" && (mode ?? .verifyFull) != .verifyFull {
            throw invalid("has sslrootcert=system, which needs sslmode=verify-full (with the system's roots, only the host name check keeps another server out)")
        }
        self.rootCertificateFile = rootFile
        self.tlsMode = mode ?? (rootFile == "system" ? .verifyFull : .prefer)
    }

    /// The URL without its password, for logs and `status`.
    package var description: String {
        "postgres://\(user)@\(host)\(port == 5432 ? "" : ":\(port)")/\(database)?sslmode=\(tlsMode.rawValue)"
    }

    /// The URL without its password, as ``description``.
    package var debugDescription: String { description }

    /// Its parts without the password, so that `dump` does not show it either.
    package var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": host, "port": port, "user": user, "database": database, "tlsMode": tlsMode,
                "rootCertificateFile": rootCertificateFile as Any, "password": password == nil ? "none" : "[redacted]",
                "passwordFile": passwordFile as Any,
            ],
            displayStyle: .struct
        )
    }

    /// The TLS its `sslmode` and `sslrootcert` ask for.
    package var tls: LedgerTLS { LedgerTLS(mode: tlsMode, rootCertificateFile: rootCertificateFile) }

    /// Whether the server is this machine, so that nobody else is on the path to it.
    package var isLoopback: Bool {
        let address = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return address.lowercased() == "localhost" || address.hasPrefix("127.") || address == "::1"
    }

    /// The pool's configuration, with `tls` from ``LedgerTLS/settings()``.
    func clientConfiguration(connections: Int, tls: LedgerTLS.Settings) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls.client)
        configuration.options.maximumConnections = connections
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = [("application_name", "image-inbox")]
        return configuration
    }

    /// One connection's configuration (the listener's, outside the pool).
    ///
    /// - Throws: NIOSSL's error when the TLS configuration can't become a context.
    func connectionConfiguration(tls: LedgerTLS.Settings) throws -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: try tls.connection())
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = [("application_name", "image-inbox")]
        return configuration
    }
}
