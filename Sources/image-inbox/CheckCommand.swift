import ArgumentParser
import Foundation
import ImageInbox
import Logging

/// `image-inbox check`: is everything in place for the daemon to run?
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration, key, folders, permissions, watch modes and inotify limits."
    )

    @OptionGroup var shared: SharedOptions

    @OptionGroup var daemon: InboxOptions

    func run() async throws {
        // Said first: a variable that sets nothing may be why the configuration is wrong.
        for variable in ConfigurationSchema.unknownEnvironmentVariables(in: ProcessInfo.processInfo.environment) {
            print("warning: \(variable.name) sets nothing and is ignored" + (variable.meant.map { "; did you mean \($0)?" } ?? ""))
        }
        let settings: DaemonConfiguration
        do {
            settings = try await shared.load(extra: daemon.values, purpose: .daemon)
        } catch let error as ImageInboxError {
            print("problem: \(error.message)")
            throw ExitCode.failure
        }
        let check = ConfigurationCheck(settings)
        for finding in check.findings {
            print("\(finding.severity.rawValue): \(finding.text)")
        }
        var ledgerProblem = false
        if let url = settings.ledgerURL {
            do {
                let ledger = try await PostgresLedger.open(url, inboxes: settings.sharedInboxes, access: .read, logger: .quietConnections)
                ledger.close()
                print("ok: the shared job ledger \(url) answers, with schema version \(PostgresLedger.schemaVersion)")
            } catch {
                ledgerProblem = true
                print("problem: \(error.message)")
            }
        }
        if check.hasProblems || ledgerProblem { throw ExitCode.failure }
    }
}
