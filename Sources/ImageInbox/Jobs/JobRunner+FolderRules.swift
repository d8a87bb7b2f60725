import Foundation
import Logging
import Synchronization

extension JobRunner {
    /// Whether `source` waits because an `image-inbox.yaml` in its folder or one above it is
    /// there but cannot be read (``UnreadableFolderDefaults``): without it, the values it locks
    /// and the budget it sets are not known, so nothing below it is sent.
    ///
    /// The folder holding the file gets one note saying what is wrong and how to fix it, however
    /// many files wait. The file is looked at again every ``FolderRulesWaits/pollInterval`` and
    /// whenever another job starts; once it changed, the note goes and the waiting sources are
    /// queued again (they wait anew if it is still bad). Waiting sources are kept in memory: a
    /// restart's scan finds them again.
    func waitsForFolderRules(_ source: SettledSource, logger: Logger) async -> Bool {
        let folderDefaults = self.folderDefaults
        let directory = SourceName(path: source.path).directory
        // Not offloaded: one lstat per folder up to the inbox (and none while nothing waits), the
        // stats the style lookup of this job makes next anyway; a hop to the file I/O pool here
        // would queue every job's request behind other jobs' result writes and fsyncs.
        let (released, unreadable) = (folderDefaults.releaseChangedWaits(), folderDefaults.unreadableDefaults(for: directory, inbox: source.inbox))
        if !released.isEmpty { await resumeWaits(released, taking: source, logger: logger) }
        guard let unreadable else { return false }
        let decision = folderDefaults.hold(source, on: unreadable)
        for poll in decision.polls { revisit(poll, after: FolderRulesWaits.pollInterval) }
        if !decision.dropped.isEmpty {
            let notes = decision.dropped.map(\.notePath)
            await FileSystem.offloaded { for note in notes { ErrorReport.removeOurs(at: note, marker: UnreadableFolderDefaults.noteMarker) } }
        }
        if decision.isNew {
            logger.warning(
                "A folder's image-inbox.yaml can't be read, jobs in that folder and below wait until it is fixed",
                metadata: ["folder.defaults": "\(unreadable.path)", "error": "\(unreadable.problem)"]
            )
            await writeNote(for: unreadable, logger: logger)
        }
        return true
    }

    /// Queues the sources of waits that ended (but `current`, whose job goes on now), and
    /// removes their notes.
    private func resumeWaits(_ holds: [FolderRulesWaits.Hold], taking current: SettledSource, logger: Logger) async {
        for hold in holds {
            logger.notice(
                "A folder's image-inbox.yaml changed, the jobs waiting for it go on",
                metadata: ["folder.defaults": "\(hold.file.path)", "job.count": "\(hold.sources.count)"]
            )
        }
        let notes = holds.map(\.file.notePath)
        await FileSystem.offloaded { for note in notes { ErrorReport.removeOurs(at: note, marker: UnreadableFolderDefaults.noteMarker) } }
        let sources = holds.flatMap(\.waiting)
        // Their pollers' revisits are not needed any more: each source is taken once, now.
        let keys = Set(sources.map(\.queueKey))
        revisits.withLock { waiting in waiting.removeAll { keys.contains($0.source.queueKey) } }
        await queue.enqueue(contentsOf: sources.filter { $0.queueKey != current.queueKey })
    }

    private func writeNote(for file: UnreadableFolderDefaults, logger: Logger) async {
        let ownership = output(logger)
        let written = await FileSystem.offloaded {
            Result { () throws(ImageInboxError) in
                try ErrorReport.writeNote(file.noteText, at: file.notePath, marker: UnreadableFolderDefaults.noteMarker, ownership: ownership)
            }
        }
        switch written {
        case .success(true): break
        case .success(false):
            logger.warning("A file of someone else's has the name of the note on an unreadable image-inbox.yaml, no note written", metadata: ["note.path": "\(file.notePath)"])
        case .failure(let error):
            logger.error("The note on an unreadable image-inbox.yaml could not be written", metadata: ["note.path": "\(file.notePath)", "error": "\(error.message)"])
        }
    }
}
