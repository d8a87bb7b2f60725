import ArgumentParser
import Foundation
import ImageInbox
import Logging

/// `image-inbox status`: the queue, failures, pause and cost, read from the ledger.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show queued, running and failed jobs, whether the queue is paused, the cost, and the hosts sharing a ledger."
    )

    @OptionGroup var shared: SharedOptions

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func run() async throws {
        do {
            let settings = try await shared.load(purpose: .inspection)
            let report: StatusReport
            if let url = settings.ledgerURL {
                let ledger = try await PostgresLedger.open(url, inboxes: settings.sharedInboxes, access: .read, logger: .quietConnections)
                defer { ledger.close() }
                do {
                    report = try await ledger.status(now: Date())
                } catch {
                    throw ImageInboxError(code: .ledgerFailed, message: "Can't read the job ledger at \(url): \(PostgresLedger.describe(error)).", cause: error)
                }
            } else {
                report = try await SQLiteLedger.openForReading(at: settings.ledgerPath).status(now: Date())
            }
            print(json ? report.json : report.text)
        } catch let error as ImageInboxError {
            throw CommandError(error)
        }
    }
}
