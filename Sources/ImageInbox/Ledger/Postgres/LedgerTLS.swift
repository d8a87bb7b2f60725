import Foundation
import NIOSSL
import PostgresNIO

/// What a shared ledger's connection asks of TLS: libpq's `sslmode` and `sslrootcert`, decided
/// as libpq decides them.
///
/// Spelled out rather than left to either library's default, because they disagree: libpq's
/// `prefer` and `require` encrypt without checking the server's certificate, while postgres-nio's
/// `.require` with NIOSSL's default configuration checks it in full. As in libpq, a
/// `sslrootcert` makes `prefer` and `require` check the certificate's issuer against it, as
/// `verify-ca` does (libpq keeps that for compatibility). Without one, `verify-ca` and
/// `verify-full` trust the system's roots; libpq would look in `~/.postgresql/root.crt`, which a
/// service has no use for.
package struct LedgerTLS: Sendable, Equatable {
    /// Whether the connection is encrypted.
    package enum Encryption: Sendable, Equatable {
        /// Never (`disable`).
        case off
        /// When the server offers it; in the clear when it does not (`prefer`).
        case ifOffered
        /// Always: a server without TLS is refused (`require`, `verify-ca`, `verify-full`).
        case required
    }

    /// What is checked of the server's certificate.
    package enum Verification: Sendable, Equatable {
        /// Nothing: whoever is on the path can pose as the server.
        case nothing
        /// That a trusted root issued it, whatever host it names (`verify-ca`).
        case issuer
        /// That a trusted root issued it to the host the URL names (`verify-full`).
        case issuerAndHostName
    }

    /// Whether the connection is encrypted.
    package var encryption: Encryption
    /// What is checked of the server's certificate.
    package var verification: Verification
    /// The PEM file of trusted roots; nil: the system's.
    package var rootCertificateFile: String?

    /// Whether the server is known to be the one the trusted roots vouch for: the connection is
    /// always encrypted and the certificate checked.
    package var isVerified: Bool { encryption == .required && verification != .nothing }

    /// Decides the TLS for libpq's `mode` and `sslrootcert` (`system`, or a PEM file).
    package init(mode: LedgerURL.TLSMode, rootCertificateFile: String?) {
        let file = mode == .disable || rootCertificateFile == "system" || rootCertificateFile == "" ? nil : rootCertificateFile
        self.rootCertificateFile = file
        switch mode {
        case .disable:
            encryption = .off
            verification = .nothing
        case .prefer:
            encryption = .ifOffered
            verification = file == nil ? .nothing : .issuer
        case .require:
            encryption = .required
            verification = file == nil ? .nothing : .issuer
        case .verifyCA:
            encryption = .required
            verification = .issuer
        case .verifyFull:
            encryption = .required
            verification = .issuerAndHostName
        }
    }

    /// Reads the trusted roots and makes NIOSSL's configuration, once per ledger opened.
    ///
    /// - Throws: ``ImageInboxError`` `invalidConfiguration` naming a `sslrootcert` that can't be
    ///   read or holds no PEM certificate.
    package func settings() throws(ImageInboxError) -> Settings {
        guard encryption != .off else { return Settings(encryption: encryption, configuration: nil, rootCertificateCount: nil) }
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch verification {
        case .nothing:
            configuration.certificateVerification = .none
        case .issuer:
            configuration.certificateVerification = .noHostnameVerification
        case .issuerAndHostName:
            configuration.certificateVerification = .fullVerification
        }
        var count: Int?
        if let rootCertificateFile {
            let certificates = try Self.certificates(in: rootCertificateFile)
            configuration.trustRoots = .certificates(certificates)
            count = certificates.count
        }
        return Settings(encryption: encryption, configuration: configuration, rootCertificateCount: count)
    }

    /// The TLS settings postgres-nio takes, the trusted roots read.
    package struct Settings: Sendable {
        /// Whether the connection is encrypted.
        let encryption: Encryption
        /// nil: not encrypted.
        let configuration: TLSConfiguration?
        /// How many certificates `sslrootcert` held; nil when the system's roots are trusted
        /// (or the connection is not encrypted).
        package let rootCertificateCount: Int?

        /// For the pool.
        var client: PostgresClient.Configuration.TLS {
            guard let configuration else { return .disable }
            return encryption == .ifOffered ? .prefer(configuration) : .require(configuration)
        }

        /// For a connection of its own (the listener's, the migrations').
        ///
        /// - Throws: NIOSSL's error when the configuration can't become a context.
        func connection() throws -> PostgresConnection.Configuration.TLS {
            guard let configuration else { return .disable }
            let context = try NIOSSLContext(configuration: configuration)
            return encryption == .ifOffered ? .prefer(context) : .require(context)
        }
    }

    private static func certificates(in file: String) throws(ImageInboxError) -> [NIOSSLCertificate] {
        // Read through links, unlike the files of an inbox: CA files are often links into
        // /etc/ssl/certs or a distribution's bundle.
        guard let data = FileManager.default.contents(atPath: file) else {
            let why = FileManager.default.fileExists(atPath: file) ? "the daemon's user may not read it" : "it does not exist"
            throw ImageInboxError(
                code: .invalidConfiguration,
                message: "Can't read sslrootcert '\(file)' of ledger_url: \(why). "
                    + "Put the certificate of the CA that issued the PostgreSQL server's certificate there (PEM), or fix the path."
            )
        }
        do {
            return try NIOSSLCertificate.fromPEMBytes(Array(data))
        } catch {
            throw ImageInboxError(
                code: .invalidConfiguration,
                message: "sslrootcert '\(file)' of ledger_url holds no PEM certificate (-----BEGIN CERTIFICATE-----). Put the CA's certificate there in PEM form.",
                cause: error
            )
        }
    }
}
