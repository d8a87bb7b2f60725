import Configuration
import Foundation
import ImageInbox
import SystemPackage
import Testing

/// Inboxes by name: `NAME=DIR` (flag or file), `{name, path}` sections in the file, or a bare
/// folder named after itself; a shared ledger keys jobs by these names.
struct InboxNameTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("inbox-names-\(UUID().uuidString)").path

    func configuration(file text: String? = nil, flags: [String] = []) async throws -> DaemonConfiguration {
        for folder in ["design", "posters", "mnt/design"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: flags.isEmpty ? [:] : ["inboxes": ConfigValue(.stringArray(flags), isSecret: false)])
        ]
        if let text {
            try (text + "\napi_key: k-123456\n").write(toFile: root + "/config.yaml", atomically: true, encoding: .utf8)
            try ConfigurationFile.check(root + "/config.yaml")
            providers.append(try await FileProvider<NamedInboxesYAMLSnapshot>(filePath: FilePath(root + "/config.yaml")))
        } else {
            providers.append(InMemoryProvider(name: "key", values: ["api_key": ConfigValue(.string("k-123456"), isSecret: false)]))
        }
        return try DaemonConfiguration(reader: ConfigReader(providers: providers), credentialsDirectory: nil, defaultStateDirectory: root + "/state")
    }

    func names(_ settings: DaemonConfiguration) -> [String: String] {
        Dictionary(uniqueKeysWithValues: settings.sharedInboxes.folders.map { ($0.name, $0.path) })
    }

    @Test func theFlagNamesAnInboxAndABareFolderIsNamedAfterItself() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let settings = try await configuration(flags: ["team=\(root)/mnt/design", "\(root)/posters/"])
        #expect(settings.inboxes == ["\(root)/mnt/design", "\(root)/posters"])
        #expect(names(settings) == ["team": "\(root)/mnt/design", "posters": "\(root)/posters"])
    }

    @Test func theFileNamesInboxesAsSectionsOrAsText() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let settings = try await configuration(
            file: """
                inboxes:
                  - {name: team, path: \(root)/mnt/design}
                  - name: print
                    path: \(root)/posters
                  - \(root)/design
                """
        )
        #expect(names(settings) == ["team": "\(root)/mnt/design", "print": "\(root)/posters", "design": "\(root)/design"])
        #expect(settings.inboxes == ["\(root)/mnt/design", "\(root)/posters", "\(root)/design"])
    }

    @Test func twoInboxesOfOneNameAreRefused() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let error = await #expect(throws: ImageInboxError.self) {
            try await configuration(flags: ["\(root)/design", "\(root)/mnt/design"])
        }
        #expect(error?.message.contains("both named 'design'") == true)
    }

    @Test func anInboxSectionWithoutAPathIsNamedWithItsLine() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let error = await #expect(throws: ImageInboxError.self) {
            try await configuration(file: "inboxes:\n  - {name: design, folder: \(root)/design}")
        }
        #expect(error?.message.contains("inboxes (line 1): must be a list of folders: DIR, NAME=DIR, or {name: NAME, path: DIR}.") == true)
    }
}
