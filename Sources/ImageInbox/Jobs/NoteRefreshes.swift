/// Refreshes of a batch file's error note, one at a time per file: its entries end on several
/// workers at once, and a refresh asked for while one runs makes that one run again, so the
/// last note written shows the last entry that ended.
actor NoteRefreshes {
    private var running: Set<String> = []
    private var again: Set<String> = []

    /// Runs `refresh` for `path`, or has the refresh under way run once more.
    func refresh(_ path: String, _ refresh: @Sendable () async -> Void) async {
        guard running.insert(path).inserted else {
            again.insert(path)
            return
        }
        repeat {
            again.remove(path)
            await refresh()
        } while again.contains(path)
        running.remove(path)
    }
}
