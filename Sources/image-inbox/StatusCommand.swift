import ArgumentParser
import Foundation
import ImageInbox

/// `image-inbox status`: the queue, failures, pause and cost, read from the ledger.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show queued, running and failed jobs, whether the queue is paused, and the cost."
    )

    @OptionGroup var shared: SharedOptions

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func run() async throws {
        do {
            let settings = try await shared.load(purpose: .inspection)
            let report = try await Ledger.openForReading(at: settings.ledgerPath).status(now: Date())
            print(json ? report.json : report.text)
        } catch let error as ImageInboxError {
            throw CommandError(error)
        }
    }
}
