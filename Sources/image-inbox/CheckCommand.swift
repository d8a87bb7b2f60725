import ArgumentParser
import Configuration
import ImageInbox

/// `image-inbox check`: is everything in place for the daemon to run?
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration, key, folders, permissions, watch modes and inotify limits."
    )

    @OptionGroup var shared: SharedOptions

    @Option(name: .customLong("inbox"), help: "An inbox folder (repeat for several).")
    var inboxes: [String] = []

    func run() async throws {
        let settings: DaemonConfiguration
        do {
            settings = try await shared.load(extra: inboxes.isEmpty ? [:] : ["inboxes": .init(.stringArray(inboxes), isSecret: false)], purpose: .daemon)
        } catch let error as ImageInboxError {
            print("problem: \(error.message)")
            throw ExitCode.failure
        }
        let check = ConfigurationCheck(settings)
        for finding in check.findings {
            print("\(finding.isProblem ? "problem" : "ok"): \(finding.text)")
        }
        if check.hasProblems { throw ExitCode.failure }
    }
}
