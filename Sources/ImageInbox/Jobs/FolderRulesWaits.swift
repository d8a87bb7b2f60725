/// The sources waiting for an `image-inbox.yaml` that cannot be read (``UnreadableFolderDefaults``),
/// by file: which ones wait, and which one of them is looked at again to see whether the file
/// was fixed.
///
/// The watcher reports prompts, not defaults files, so a fix is seen by looking: one source per
/// file (its poller) comes back every ``pollInterval``, and every job that starts compares the
/// waited-for files with what they are now. However many files wait below a bad
/// `image-inbox.yaml`, it costs one `stat` per look. Every decision is made here; the runner
/// writes the notes and queues the sources.
package struct FolderRulesWaits: Sendable {
    /// How often a waited-for file is looked at again.
    package static let pollInterval: Duration = .seconds(2)

    /// The sources waiting for one file.
    package struct Hold: Sendable, Equatable {
        /// The file, as it was found.
        package var file: UnreadableFolderDefaults
        /// The waiting sources, by queue key.
        package var sources: [String: SettledSource]
        /// The queue key of the source that comes back to look at the file again.
        package var poller: String

        /// The waiting sources, in path order.
        package var waiting: [SettledSource] {
            sources.values.sorted { ($0.path, $0.entry ?? 0) < ($1.path, $1.entry ?? 0) }
        }
    }

    /// What the runner does after ``hold(_:on:)``.
    package struct Decision: Sendable, Equatable {
        /// The file is newly waited for (or found bad in a new way): log it and write its note.
        package var isNew = false
        /// Sources to take again after ``pollInterval``, to look at their file.
        package var polls: [SettledSource] = []
        /// Files no source waits for any more (the one that did now waits for another): their
        /// notes go, until a source waits for them again.
        package var dropped: [UnreadableFolderDefaults] = []
    }

    /// The holds, by the path of their file.
    package private(set) var holds: [String: Hold] = [:]

    /// No source waiting.
    package init() {}

    /// The files waited for.
    package var files: [UnreadableFolderDefaults] { holds.values.map(\.file) }

    /// Sets `source` waiting for `file` (and no longer for any other).
    package mutating func hold(_ source: SettledSource, on file: UnreadableFolderDefaults) -> Decision {
        var decision = Decision()
        let key = source.queueKey
        // A source waits for one file: the uppermost bad one, which may have broken after it
        // began to wait for a deeper one.
        for path in holds.keys.sorted() where path != file.path {
            guard var other = holds[path], other.sources[key] != nil else { continue }
            other.sources[key] = nil
            guard let next = other.sources.keys.min() else {
                holds[path] = nil
                decision.dropped.append(other.file)
                continue
            }
            if other.poller == key, let poller = other.sources[next] {
                other.poller = next
                decision.polls.append(poller)
            }
            holds[path] = other
        }
        guard var hold = holds[file.path] else {
            holds[file.path] = Hold(file: file, sources: [key: source], poller: key)
            decision.isNew = true
            decision.polls.append(source)
            return decision
        }
        if hold.file != file {
            hold.file = file
            decision.isNew = true
        }
        hold.sources[key] = source
        if hold.poller == key { decision.polls.append(source) }
        holds[file.path] = hold
        return decision
    }

    /// Ends the holds on `files` (found changed since), unless a hold has since been set on
    /// the file as it is now.
    ///
    /// - Returns: The holds ended: their sources are taken again, their notes go.
    package mutating func release(_ files: [UnreadableFolderDefaults]) -> [Hold] {
        var released: [Hold] = []
        for file in files {
            guard let hold = holds[file.path], hold.file == file else { continue }
            holds[file.path] = nil
            released.append(hold)
        }
        return released
    }
}
