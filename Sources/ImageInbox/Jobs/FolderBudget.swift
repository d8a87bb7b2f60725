/// A folder's daily spending limit, `max_usd_per_day` in its `image-inbox.yaml`: the jobs of the
/// folder and every folder below it wait for the next day once it is spent (the configuration's
/// own limit still applies to all).
package struct FolderBudget: Sendable, Equatable {
    /// The folder whose `image-inbox.yaml` sets it.
    package var folder: String
    /// Dollars a day (local time).
    package var usd: Double

    package init(folder: String, usd: Double) {
        self.folder = folder
        self.usd = usd
    }

    /// The note in the folder while its budget is spent.
    package var notePath: String { folder + "/image-inbox.budget.txt" }
}
