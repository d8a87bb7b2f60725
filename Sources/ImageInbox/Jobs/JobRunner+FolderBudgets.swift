import Foundation
import Logging
import Synchronization

extension JobRunner {
    /// Whether `source` waits for tomorrow because the daily budget of its folder, or of a
    /// folder above it, is spent (`max_usd_per_day` in an `image-inbox.yaml`). It is taken again
    /// at midnight, and the folder gets one note saying so, however many files wait; the jobs of
    /// other folders go on. The note goes once a job there fits the budget again.
    ///
    /// A look before the file is read: whether what is left fits the job's estimate, with what the
    /// requests in flight reserved, is decided once its request is known (``run(_:for:hash:logger:)``).
    func waitsForFolderBudget(_ source: SettledSource, logger: Logger) async -> Bool {
        // A folder defaults file that cannot be read is reported by the job itself.
        guard let style = try? folderDefaults.style(for: SourceName(path: source.path).directory, inbox: source.inbox), !style.budgets.isEmpty else {
            return false
        }
        let startOfDay = LocalDay.start(of: now())
        for budget in style.budgets {
            let spent: Double
            do {
                spent = try await ledger.cost(since: startOfDay, inFolder: budget.folder)
            } catch {
                // Not sent past a budget that cannot be checked: it is looked at again in a minute.
                logger.error("Ledger lookup of a folder's spend failed, the file waits a minute", metadata: ["folder": "\(budget.folder)", "error": "\(error)"])
                revisit(source, after: .seconds(60))
                return true
            }
            guard spent >= budget.usd else { continue }
            waitForTomorrow(source, budget: budget, spent: spent, logger: logger)
            return true
        }
        return false
    }

    /// Sets `source` aside until midnight: `budget` is spent for today, or has less left than
    /// the job's `estimate`. The folder gets one note, however many files wait.
    func waitForTomorrow(_ source: SettledSource, budget: FolderBudget, spent: Double, estimate: Double? = nil, logger: Logger) {
        revisit(source, after: durationUntilTomorrow())
        guard budgetNotedFolders.withLock({ $0.insert(budget.folder).inserted }) else { return }
        var metadata: Logger.Metadata = ["folder": "\(budget.folder)", "budget.usd": "\(budget.usd)", "budget.spent_usd": "\(spent)"]
        if let estimate { metadata["job.estimated_usd"] = "\(estimate)" }
        logger.notice("Folder budget spent, its files wait for tomorrow", metadata: metadata)
        writeNote(for: budget, spent: spent, estimate: estimate, logger: logger)
    }

    /// Removes the notes of `budgets` a job fits again: a new day, or a raised budget.
    func removeBudgetNotes(of budgets: [FolderBudget]) {
        for budget in budgets where budgetNotedFolders.withLock({ $0.remove(budget.folder) != nil }) {
            ErrorReport.removeOurs(at: budget.notePath, marker: Self.budgetNoteMarker)
        }
    }

    /// The first words of a folder's budget note, by which the daemon knows its own.
    static let budgetNoteMarker = "image-inbox has spent"

    private func writeNote(for budget: FolderBudget, spent: Double, estimate: Double?, logger: Logger) {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        let resumes = formatter.string(from: LocalDay.end(of: now()))
        // Spent short of the budget: what is left does not cover the next job.
        let short = estimate.map { usd in
            spent < budget.usd ? String(format: " The next job is estimated at $%.2f, more than the $%.2f left.", usd, budget.usd - spent) : ""
        } ?? ""
        let text = """
            \(Self.budgetNoteMarker) \(String(format: "$%.2f", spent)) today on this folder and the folders in it: its daily budget is \(String(format: "$%.2f", budget.usd)) (max_usd_per_day in \(budget.folder)/\(FolderDefaults.fileName)).\(short)

            What happens next:
            Files dropped here wait; nothing is lost. They are made from \(resumes) (local time), when the budget starts again, and this note goes away.
            To go on today, raise max_usd_per_day in \(FolderDefaults.fileName), then save the waiting files again.

            """
        do {
            _ = try ErrorReport.writeNote(text, at: budget.notePath, marker: Self.budgetNoteMarker, ownership: output(logger))
        } catch {
            logger.error("The folder's budget note could not be written", metadata: ["folder": "\(budget.folder)", "error": "\(error)"])
        }
    }
}
