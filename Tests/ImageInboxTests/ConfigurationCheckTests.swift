import Configuration
import Foundation
import ImageInbox
import Testing

struct ConfigurationCheckTests {
    func configuration(inboxes: [String]) throws -> DaemonConfiguration {
        try DaemonConfiguration(
            reader: ConfigReader(provider: InMemoryProvider(values: [
                "inboxes": ConfigValue(.stringArray(inboxes), isSecret: false), "api_key": ConfigValue(.string("sk-0123456789"), isSecret: true),
                "watch.mode": ConfigValue(.string("inotify"), isSecret: false),
            ])),
            credentialsDirectory: nil,
            defaultStateDirectory: FileManager.default.temporaryDirectory.path + "/check-state"
        )
    }

    func limits(watches: Int) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("limits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "\(watches)\n".write(to: folder.appendingPathComponent("max_user_watches"), atomically: true, encoding: .utf8)
        return folder.path
    }

    func inbox(folders: Int) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("check-\(UUID().uuidString)").path
        for index in 0..<folders { try FileManager.default.createDirectory(atPath: root + "/f\(index)", withIntermediateDirectories: true) }
        return root
    }

    @Test func aHealthySetupHasNoProblemsAndSaysHowEachInboxIsWatched() throws {
        let root = try inbox(folders: 2)
        let check = ConfigurationCheck(try configuration(inboxes: [root]), inotifyLimitsDirectory: try limits(watches: 100))
        #expect(!check.hasProblems, "\(check.findings)")
        #expect(check.findings.contains { $0.text.contains("inbox \(root): readable and writable; watched with inotify") })
        #expect(check.findings.contains { $0.text == "API key present (13 characters)" })
        #expect(check.findings.contains { $0.text == "inotify: 3 folders to watch, fs.inotify.max_user_watches is 100" })
        #expect(!check.findings.contains { $0.text.contains("sk-0123456789") })
    }

    @Test func tooFewInotifyWatchesIsAProblemWithTheRemedy() throws {
        let check = ConfigurationCheck(try configuration(inboxes: [try inbox(folders: 5)]), inotifyLimitsDirectory: try limits(watches: 4))
        #expect(check.hasProblems)
        #expect(check.findings.contains { $0.isProblem && $0.text.contains("sysctl fs.inotify.max_user_watches=") })
    }
}
