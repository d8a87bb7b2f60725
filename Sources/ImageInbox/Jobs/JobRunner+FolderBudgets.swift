import Foundation
import Logging
import Synchronization

extension JobRunner {
    /// Whether `source` waits for tomorrow because the daily budget of its folder, or of a
    /// folder above it, is spent (`max_usd_per_day` in an `image-inbox.yaml`). It is taken again
    /// at midnight, and the folder gets one note saying so, however many files wait; the jobs of
    /// other folders go on. The note goes once a file there finds the budget free again.
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
            guard spent >= budget.usd else {
                // A new day, or a raised budget.
                if budgetNotedFolders.withLock({ $0.remove(budget.folder) != nil }) {
                    ErrorReport.removeOurs(at: budget.notePath, marker: Self.budgetNoteMarker)
                }
                continue
            }
            revisit(source, after: durationUntilTomorrow())
            if budgetNotedFolders.withLock({ $0.insert(budget.folder).inserted }) {
                logger.notice(
                    "Folder budget spent, its files wait for tomorrow",
                    metadata: ["folder": "\(budget.folder)", "budget.usd": "\(budget.usd)", "budget.spent_usd": "\(spent)"]
                )
                writeNote(for: budget, spent: spent, logger: logger)
            }
            return true
        }
        return false
    }

    /// The first words of a folder's budget note, by which the daemon knows its own.
    static let budgetNoteMarker = "image-inbox has spent"

    private func writeNote(for budget: FolderBudget, spent: Double, logger: Logger) {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        let resumes = formatter.string(from: LocalDay.end(of: now()))
        let text = """
            \(Self.budgetNoteMarker) \(String(format: "$%.2f", spent)) today on this folder and the folders in it: its daily budget is \(String(format: "$%.2f", budget.usd)) (max_usd_per_day in \(budget.folder)/\(FolderDefaults.fileName)).

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
