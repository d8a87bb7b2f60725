import Configuration
import Foundation
import ImageInbox
import Testing

struct ConfigurationCheckLedgerTests {
    /// What `check` finds of a configuration with the shared ledger at `url`.
    func checking(_ url: String, passwordFile: String? = nil) throws -> ConfigurationCheck {
        var values: [AbsoluteConfigKey: ConfigValue] = ["ledger_url": ConfigValue(.string(url), isSecret: true)]
        if let passwordFile { values["ledger_password_file"] = ConfigValue(.string(passwordFile), isSecret: false) }
        let settings = try DaemonConfiguration(
            reader: ConfigReader(provider: InMemoryProvider(values: values)),
            credentialsDirectory: nil,
            defaultStateDirectory: FileManager.default.temporaryDirectory.path + "/check-state",
            purpose: .inspection
        )
        return ConfigurationCheck(settings)
    }

    @Test(arguments: ["disable", "prefer", "require"])
    func anUnverifiedConnectionToAnotherMachineIsAWarning(_ mode: String) throws {
        let check = try checking("postgres://image-inbox@db.example/inbox?sslmode=\(mode)")
        let warnings = check.findings.filter { $0.severity == .warning }
        #expect(warnings.count == 1, "\(check.findings)")
        #expect(warnings.first?.text.contains("shared ledger at db.example") == true)
        #expect(warnings.first?.text.contains("(sslmode=\(mode)") == true)
        #expect(warnings.first?.text.contains("use sslmode=verify-full") == true)
        #expect(!check.hasProblems, "a warning does not fail check")
    }

    @Test(arguments: [
        "postgres://u@db.example/d?sslmode=verify-full", "postgres://u@db.example/d?sslrootcert=system",
        "postgres://u@localhost/d?sslmode=disable", "postgres://u@127.0.0.1/d?sslmode=require", "postgres://u@[::1]/d",
    ])
    func aVerifiedOrLocalConnectionIsNoWarning(_ url: String) throws {
        let check = try checking(url)
        #expect(!check.findings.contains { $0.severity == .warning }, "\(check.findings)")
        #expect(check.findings.contains { $0.severity == .ok && $0.text.hasPrefix("shared ledger") }, "\(check.findings)")
    }

    @Test func verifyCAAgainstAnOwnCAIsNoWarning() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("check-ca-\(UUID().uuidString).pem").path
        try LedgerTLSTests.certificateAuthority.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let check = try checking("postgres://u@db.example/d?sslmode=verify-ca&sslrootcert=\(file)")
        #expect(!check.findings.contains { $0.severity == .warning }, "\(check.findings)")
        #expect(check.findings.contains { $0.text.contains("issued by the CA in \(file); the host name is not checked") }, "\(check.findings)")
    }

    @Test func verifyCAWithTheSystemsCAsIsAWarning() throws {
        let check = try checking("postgres://u@db.example/d?sslmode=verify-ca")
        #expect(check.findings.contains { $0.severity == .warning && $0.text.contains("weakly verified") }, "\(check.findings)")
    }

    @Test func aPasswordInTheURLIsAWarningThatNeverShowsIt() throws {
        let check = try checking("postgres://u:s3cret@db.example/d?sslmode=verify-full")
        #expect(check.findings.contains { $0.severity == .warning && $0.text.contains("visible in the configuration file; use ledger_password_file") })
        #expect(!check.findings.contains { $0.text.contains("s3cret") })
    }

    @Test func aPasswordFromAFileIsNoWarning() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("check-password-\(UUID().uuidString)").path
        try "s3cret\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let check = try checking("postgres://u:old@db.example/d?sslmode=verify-full", passwordFile: file)
        #expect(!check.findings.contains { $0.severity == .warning }, "\(check.findings)")
        #expect(check.findings.contains { $0.text == "shared ledger's password read from \(file)" })
        #expect(!check.findings.contains { $0.text.contains("s3cret") })
    }
}
