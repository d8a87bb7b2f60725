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
        var check = ConfigurationCheck(settings)
        await checkModels(settings, into: &check)
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

    /// The shutdown dates of the models in use (the configuration's, and the local ledger's
    /// recent jobs'), with `/models` asked once, briefly.
    private func checkModels(_ settings: DaemonConfiguration, into check: inout ConfigurationCheck) async {
        let now = Date()
        var models = settings.configuredModels
        if settings.ledgerURL == nil, let ledger = try? SQLiteLedger.openForReading(at: settings.ledgerPath),
            let used = try? await ledger.modelsUsed(since: now.addingTimeInterval(-7 * 86_400))
        {
            models.formUnion(used)
        }
        var watch = settings.retirementWatch
        watch.requestTimeout = .seconds(10)
        let clients = HTTPClients()
        let found = await ModelRetirementWatch.retirements(of: models, configuration: watch, httpClient: clients.client(concurrency: 1), logger: .quietConnections)
        try? await clients.shutdown()
        check.checkModels(found.retirements, configured: settings.configuredModels, listFailure: found.listFailure, now: now)
    }
}
