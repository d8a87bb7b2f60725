import Synchronization

/// Folder defaults as last read, by file: every job asks for its folder's `image-inbox.yaml` and
/// each one above it, and a file is read and parsed again only when its inode, size, or
/// modification or change time moved — a `stat` per folder instead of a read and a YAML parse.
///
/// The change time catches what the modification time alone misses: a rewrite that keeps the
/// mtime (`cp -p`, `rsync -t --inplace`) and a `chmod` that makes an unreadable file readable.
/// On NFS, the `stat` answers from the client's attribute cache, so an edit there may apply a
/// few seconds late.
///
/// A file that is there but cannot be read (``UnreadableFolderDefaults``) is never skipped as
/// if absent: ``unreadableDefaults(for:inbox:)`` names it so that jobs below it wait, and the
/// cache keeps which sources wait for it (``FolderRulesWaits``), as the one place that knows
/// when such a file changed. Every method blocks on the file system: call them off Swift's
/// cooperative pool.
package final class FolderDefaultsCache: Sendable {
    /// One file as last found.
    private enum State: Sendable {
        case style(FolderStyle)
        case invalid(ImageInboxError)
        case unreadable(UnreadableFolderDefaults)
    }

    private struct Entry: Sendable {
        var version: FileSystem.Version
        var state: State
    }

    /// Past this many files the cache starts again (one entry per folder holding defaults).
    static let maximumEntries = 4096

    private let entries = Mutex<[String: Entry]>([:])
    private let waits = Mutex(FolderRulesWaits())

    package init() {}

    /// The style that applies to files in `directory`: every `image-inbox.yaml` from the inbox
    /// root down to `directory`, deeper folders winning but for what an upper one locked.
    ///
    /// - Throws: ``ImageInboxError`` `invalidParameter` naming the defaults file that is wrong
    ///   or cannot be read.
    package func style(for directory: String, inbox: String) throws(ImageInboxError) -> FolderStyle {
        var result = FolderStyle()
        for path in Self.paths(for: directory, inbox: inbox) {
            switch state(at: path) {
            case nil: continue
            case .style(let deeper): result = result.applying(deeper: deeper)
            case .invalid(let error): throw error
            case .unreadable(let file): throw file.error
            }
        }
        return result
    }

    /// The defaults that apply to files in `directory` (the style's, without presets and locks).
    package func parameters(for directory: String, inbox: String) throws(ImageInboxError) -> ImageParameters {
        try style(for: directory, inbox: inbox).defaults
    }

    /// The uppermost `image-inbox.yaml` from the inbox root down to `directory` that is there
    /// but cannot be read; nil when every one there can be (a wrong one is not unreadable: its
    /// jobs report it).
    package func unreadableDefaults(for directory: String, inbox: String) -> UnreadableFolderDefaults? {
        for path in Self.paths(for: directory, inbox: inbox) {
            if case .unreadable(let file) = state(at: path) { return file }
        }
        return nil
    }

    /// The models the `image-inbox.yaml` files read so far name: in their defaults, their
    /// presets and their locked values. No file is read for it.
    package func namedModels() -> Set<String> {
        entries.withLock { entries in
            var models: Set<String> = []
            for entry in entries.values {
                guard case .style(let style) = entry.state else { continue }
                let named = [style.defaults.model, style.locked.model] + style.presets.values.map(\.parameters.model)
                models.formUnion(named.compactMap { $0 })
            }
            return models
        }
    }

    /// Sets `source` waiting for the unreadable `file`.
    package func hold(_ source: SettledSource, on file: UnreadableFolderDefaults) -> FolderRulesWaits.Decision {
        waits.withLock { $0.hold(source, on: file) }
    }

    /// Ends the waits for files that changed since they were found unreadable: fixed, or at
    /// least different, so that their sources are looked at again.
    ///
    /// - Returns: The waits ended.
    package func releaseChangedWaits() -> [FolderRulesWaits.Hold] {
        let waitedFor = waits.withLock { $0.files }
        guard !waitedFor.isEmpty else { return [] }
        let changed = waitedFor.filter { file in
            guard case .unreadable(let now) = state(at: file.path) else { return true }
            return now != file
        }
        guard !changed.isEmpty else { return [] }
        return waits.withLock { $0.release(changed) }
    }

    /// The defaults files that apply to `directory`, the inbox root's first.
    private static func paths(for directory: String, inbox: String) -> [String] {
        FolderDefaults.folders(from: directory, inbox: inbox).reversed().map { $0 + "/" + FolderDefaults.fileName }
    }

    /// The file at `path` as it is now; nil when there is none.
    private func state(at path: String) -> State? {
        guard let version = FileSystem.version(of: path) else {
            entries.withLock { _ = $0.removeValue(forKey: path) }
            return nil
        }
        if let entry = entries.withLock({ $0[path] }), entry.version == version {
            return entry.state
        }
        // Read after the stat: a change in between leaves a version that no longer matches, so
        // the next job reads the file again.
        let state: State
        do throws(ImageInboxError) {
            switch try FolderDefaults.read(path, size: version.identity.size) {
            case .absent:
                return nil
            case .style(let style):
                state = .style(style)
            case .unreadable(let reason):
                let file = UnreadableFolderDefaults(path: path, reason: reason, version: version)
                // One that may pass without the file changing is not remembered: the next look reads it again.
                guard reason.lasts else { return .unreadable(file) }
                state = .unreadable(file)
            }
        } catch {
            state = .invalid(error)
        }
        entries.withLock { entries in
            if entries.count >= Self.maximumEntries { entries.removeAll() }
            entries[path] = Entry(version: version, state: state)
        }
        return state
    }
}
