import ArgumentParser
import Foundation
import ImageInbox
import Logging

/// `image-inbox ledger`: work on the job ledger itself.
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Work on the job ledger.",
        subcommands: [LedgerCopyCommand.self]
    )
}

/// `image-inbox ledger copy --to postgres://…`: a host's SQLite history into a shared ledger.
struct LedgerCopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy this host's finished jobs (SQLite, in the state directory) into a shared PostgreSQL ledger, so that no host sends them again.",
        discussion: "Run it before the first daemon starts with the shared ledger. The inboxes (and their names) come from the configuration or --inbox, as the daemon's do."
    )

    @OptionGroup var shared: SharedOptions

    @OptionGroup var daemon: InboxOptions

    @Option(name: .long, help: "The shared ledger: postgres://USER@HOST/DB?sslmode=require.")
    var to: String

    func run() async throws {
        do {
            let settings = try await shared.load(extra: daemon.values, purpose: .inspection)
            var url = try LedgerURL(to)
            if url.password == nil { url.password = settings.ledgerURL?.password }
            let jobs = try await SQLiteLedger.openForReading(at: settings.ledgerPath).allJobs()
            let ledger = try await PostgresLedger.open(url, inboxes: settings.sharedInboxes, access: .migrate, logger: .quietConnections)
            defer { ledger.close() }
            let count: PostgresLedger.CopyCount
            do {
                count = try await ledger.copy(jobs)
            } catch {
                throw ImageInboxError(code: .ledgerFailed, message: "Can't write to the job ledger at \(url): \(PostgresLedger.describe(error)).", cause: error)
            }
            print("Copied \(count.copied) finished job\(count.copied == 1 ? "" : "s") from \(settings.ledgerPath) to \(url); \(count.present) were there already.")
            if count.outsideInboxes > 0 {
                print("Left out \(count.outsideInboxes) finished job\(count.outsideInboxes == 1 ? "" : "s") of files in no configured inbox (name the inboxes with --inbox NAME=DIR).")
            }
        } catch let error as ImageInboxError {
            throw CommandError(error)
        }
    }
}

extension Logger {
    /// A one-shot command's logger for the shared ledger's connections: their own background
    /// news (a connection closed as the command ends) is not the command's output.
    static var quietConnections: Logger {
        var logger = Logger(label: "image-inbox")
        logger.logLevel = .error
        return logger
    }
}
