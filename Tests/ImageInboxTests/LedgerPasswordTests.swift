import Configuration
import Foundation
import ImageInbox
import Testing

struct LedgerPasswordTests {
    /// Runs `body` with a fresh folder, removed afterwards.
    func withFolder<T>(_ body: (String) throws -> T) throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-password-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        return try body(folder)
    }

    /// The shared ledger as the daemon would read it, from `ledger_url` and `ledger_password_file`.
    func ledger(_ url: String, passwordFile: String? = nil, credentialsDirectory: String? = nil) throws -> LedgerURL? {
        var values: [AbsoluteConfigKey: ConfigValue] = ["ledger_url": ConfigValue(.string(url), isSecret: true)]
        if let passwordFile { values["ledger_password_file"] = ConfigValue(.string(passwordFile), isSecret: false) }
        return try DaemonConfiguration(
            reader: ConfigReader(provider: InMemoryProvider(values: values)),
            credentialsDirectory: credentialsDirectory,
            defaultStateDirectory: "/tmp/state",
            purpose: .inspection
        ).ledgerURL
    }

    @Test func aPasswordFileWinsOverTheURLsAndLosesOnlyItsLineEnd() throws {
        try withFolder { folder in
            try " from file \r\n".write(toFile: folder + "/password", atomically: true, encoding: .utf8)
            let url = try #require(try ledger("postgres://u:in-url@db.example/d", passwordFile: folder + "/password"))
            #expect(url.password == " from file ")
            #expect(url.passwordFile == folder + "/password")
        }
    }

    @Test func systemdsCredentialIsUsedWhenNoFileIsNamed() throws {
        try withFolder { folder in
            try "from-credential\n".write(toFile: folder + "/ledger-password", atomically: true, encoding: .utf8)
            let url = try #require(try ledger("postgres://u:in-url@db.example/d", credentialsDirectory: folder))
            #expect(url.password == "from-credential")
            #expect(url.passwordFile == folder + "/ledger-password")
        }
    }

    @Test func aNamedFileWinsOverTheCredential() throws {
        try withFolder { folder in
            try "from-credential\n".write(toFile: folder + "/ledger-password", atomically: true, encoding: .utf8)
            try "from-file\n".write(toFile: folder + "/password", atomically: true, encoding: .utf8)
            let url = try #require(try ledger("postgres://u@db.example/d", passwordFile: folder + "/password", credentialsDirectory: folder))
            #expect(url.password == "from-file")
        }
    }

    @Test func theUnitsBlankCredentialLeavesTheURLsPassword() throws {
        try withFolder { folder in
            // What SetCredential=ledger-password:\n passes when the unit's file is missing.
            try "\n".write(toFile: folder + "/ledger-password", atomically: true, encoding: .utf8)
            let url = try #require(try ledger("postgres://u:in-url@db.example/d", credentialsDirectory: folder))
            #expect(url.password == "in-url")
            #expect(url.passwordFile == nil)
            let none = try #require(try ledger("postgres://u@db.example/d", credentialsDirectory: folder))
            #expect(none.password == nil)
        }
    }

    @Test func aPasswordFileThatIsMissingOrEmptyStopsTheStartByName() throws {
        try withFolder { folder in
            let missing = try #require(throws: ImageInboxError.self) {
                try ledger("postgres://u:in-url@db.example/d", passwordFile: folder + "/missing")
            }
            #expect(missing.code == .invalidConfiguration)
            #expect(missing.message.contains("'\(folder)/missing'"))
            try "\n".write(toFile: folder + "/empty", atomically: true, encoding: .utf8)
            let empty = try #require(throws: ImageInboxError.self) {
                try ledger("postgres://u@db.example/d", passwordFile: folder + "/empty")
            }
            #expect(empty.message.contains("'\(folder)/empty' is empty"))
        }
    }

    @Test func thePasswordIsNeverShown() throws {
        let url = try LedgerURL("postgres://image-inbox:s3cret@db.example/inbox?sslmode=verify-full")
        var dumped = ""
        dump(url, to: &dumped)
        #expect(!dumped.contains("s3cret"), "\(dumped)")
        #expect(!"\(url)".contains("s3cret"))
        #expect(!String(reflecting: url).contains("s3cret"))
        #expect(!String(describing: Optional(url)).contains("s3cret"))
        #expect(url.password == "s3cret")
    }
}
