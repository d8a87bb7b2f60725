import Configuration
import Foundation
import ImageInbox
import Testing

struct LedgerTLSTests {
    /// A throwaway CA's certificate (P-256, valid until 2126), only ever parsed.
    static let certificateAuthority = """
        -----BEGIN CERTIFICATE-----
        MIIBkzCCATmgAwIBAgIUUs7hPOz/UQprhKITi0r3blKwpN4wCgYIKoZIzj0EAwIw
        HjEcMBoGA1UEAwwTaW1hZ2UtaW5ib3ggdGVzdCBDQTAgFw0yNjEyMDcyMzA5NTNa
        GA8yMTI2MTExMzIzMDk1M1owHjEcMBoGA1UEAwwTaW1hZ2UtaW5ib3ggdGVzdCBD
        QTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABEs1NZtMhTDO3hprNjr8HaeMDlcm
        CxuoauFTImOnILaesX6s6JChAFVF42ErEDtx1tcWCcynOBrvvOnU3yn2ktOjUzBR
        MB0GA1UdDgQWBBS8bOB1+wZAxg5YYL17yf5C37lvjzAfBgNVHSMEGDAWgBS8bOB1
        +wZAxg5YYL17yf5C37lvjzAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gA
        MEUCIQCSG0WjwW0uAt4TKMWIWue3TDn67E3K5EDhskg/eTNjUQIgak/B8YosOV14
        2Swt5l5RSNn8mSeioEYutQLBPTY4mfk=
        -----END CERTIFICATE-----

        """

    /// Runs `body` with a file holding `contents`, removed afterwards.
    func withFile<T>(_ contents: String, _ body: (String) throws -> T) throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-tls-\(UUID().uuidString).pem").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    @Test(arguments: LedgerURL.TLSMode.allCases)
    func eachSSLModeEncryptsAndChecksAsLibpqDoes(_ mode: LedgerURL.TLSMode) throws {
        let tls = try LedgerURL("postgres://u@db.example/d?sslmode=\(mode.rawValue)").tls
        let expected: (LedgerTLS.Encryption, LedgerTLS.Verification) =
            switch mode {
            case .disable: (.off, .nothing)
            case .prefer: (.ifOffered, .nothing)
            case .require: (.required, .nothing)
            case .verifyCA: (.required, .issuer)
            case .verifyFull: (.required, .issuerAndHostName)
            }
        let verifying = mode == .verifyCA || mode == .verifyFull
        #expect(tls.encryption == expected.0)
        #expect(tls.verification == expected.1)
        #expect(tls.isVerified == verifying)
        #expect(tls.rootCertificateFile == nil, "no sslrootcert: the system's CAs")
        #expect(try tls.settings().rootCertificateCount == nil)
    }

    @Test func aRootCertificateIsReadAndMakesEveryEncryptingModeCheckTheIssuer() throws {
        try withFile(Self.certificateAuthority) { file in
            for mode in ["prefer", "require", "verify-ca", "verify-full"] {
                let tls = try LedgerURL("postgres://u@db.example/d?sslmode=\(mode)&sslrootcert=\(file)").tls
                #expect(tls.rootCertificateFile == file, "\(mode)")
                #expect(tls.verification != .nothing, "\(mode)")
                #expect(try tls.settings().rootCertificateCount == 1, "\(mode)")
            }
            #expect(try LedgerURL("postgres://u@db.example/d?sslmode=require&sslrootcert=\(file)").tls.verification == .issuer)
            let plain = try LedgerURL("postgres://u@db.example/d?sslmode=disable&sslrootcert=\(file)").tls
            #expect(plain.encryption == .off && plain.rootCertificateFile == nil)
        }
    }

    @Test func aRootCertificateThatIsMissingOrNotPEMIsRefusedByName() throws {
        let missing = FileManager.default.temporaryDirectory.path + "/no-such-ca-\(UUID().uuidString).pem"
        let url = try LedgerURL("postgres://u@db.example/d?sslmode=verify-ca&sslrootcert=\(missing)")
        let error = try #require(throws: ImageInboxError.self) { try url.tls.settings() }
        #expect(error.code == .invalidConfiguration)
        #expect(error.message.contains("sslrootcert '\(missing)'"))
        try withFile("not a certificate\n") { file in
            let notPEM = try LedgerURL("postgres://u@db.example/d?sslmode=verify-full&sslrootcert=\(file)")
            let refusal = try #require(throws: ImageInboxError.self) { try notPEM.tls.settings() }
            #expect(refusal.message.contains("'\(file)' of ledger_url holds no PEM certificate"))
        }
    }

    @Test func aMissingRootCertificateStopsTheStart() throws {
        let missing = FileManager.default.temporaryDirectory.path + "/no-such-ca-\(UUID().uuidString).pem"
        let values: [AbsoluteConfigKey: ConfigValue] = [
            "ledger_url": ConfigValue(.string("postgres://u@db.example/d?sslmode=verify-ca&sslrootcert=\(missing)"), isSecret: true)
        ]
        let error = try #require(throws: ImageInboxError.self) {
            try DaemonConfiguration(
                reader: ConfigReader(provider: InMemoryProvider(values: values)),
                credentialsDirectory: nil,
                defaultStateDirectory: "/tmp/state",
                purpose: .inspection
            )
        }
        #expect(error.message.contains(missing))
    }

    @Test func theSystemsRootsAskForVerifyFullAsInLibpq() throws {
        let url = try LedgerURL("postgres://u@db.example/d?sslrootcert=system")
        #expect(url.tlsMode == .verifyFull)
        #expect(url.tls.rootCertificateFile == nil)
        #expect(url.tls.verification == .issuerAndHostName)
        #expect(throws: ImageInboxError.self) { try LedgerURL("postgres://u@db.example/d?sslmode=require&sslrootcert=system") }
    }

    @Test func anUnknownSSLModeIsRefusedNamingTheOnesAccepted() throws {
        let error = try #require(throws: ImageInboxError.self) { try LedgerURL("postgres://u@db.example/d?sslmode=verify") }
        #expect(error.message.contains("sslmode 'verify', not one of disable, prefer, require, verify-ca, verify-full"))
    }
}
