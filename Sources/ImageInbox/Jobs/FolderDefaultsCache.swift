import Synchronization

/// Folder defaults as last read, by file: every job asks for its folder's `image-inbox.yaml` and
/// each one above it, and a file is read and parsed again only when its inode, size, or
/// modification or change time moved — a `stat` per folder instead of a read and a YAML parse.
///
/// The change time catches what the modification time alone misses: a rewrite that keeps the
/// mtime (`cp -p`, `rsync -t --inplace`) and a `chmod` that makes an unreadable file readable.
/// On NFS, the `stat` answers from the client's attribute cache, so an edit there may apply a
/// few seconds late.
package final class FolderDefaultsCache: Sendable {
    private struct Entry: Sendable {
        var version: FileSystem.Version
        var style: Result<FolderStyle, ImageInboxError>
    }

    /// Past this many files the cache starts again (one entry per folder holding defaults).
    static let maximumEntries = 4096

    private let entries = Mutex<[String: Entry]>([:])

    package init() {}

    /// The style that applies to files in `directory`: every `image-inbox.yaml` from the inbox
    /// root down to `directory`, deeper folders winning but for what an upper one locked.
    ///
    /// - Throws: ``ImageInboxError`` `invalidParameter` naming the defaults file that is wrong.
    package func style(for directory: String, inbox: String) throws(ImageInboxError) -> FolderStyle {
        var result = FolderStyle()
        for folder in FolderDefaults.folders(from: directory, inbox: inbox).reversed() {
            guard let deeper = try style(at: folder + "/" + FolderDefaults.fileName) else { continue }
            result = result.applying(deeper: deeper)
        }
        return result
    }

    /// The defaults that apply to files in `directory` (the style's, without presets and locks).
    package func parameters(for directory: String, inbox: String) throws(ImageInboxError) -> ImageParameters {
        try style(for: directory, inbox: inbox).defaults
    }

    private func style(at path: String) throws(ImageInboxError) -> FolderStyle? {
        guard let version = FileSystem.version(of: path), version.identity.isRegularFile else {
            entries.withLock { _ = $0.removeValue(forKey: path) }
            return nil
        }
        if let entry = entries.withLock({ $0[path] }), entry.version == version {
            return try entry.style.get()
        }
        // Read after the stat: a change in between leaves a version that no longer matches, so
        // the next job reads the file again.
        let style: Result<FolderStyle, ImageInboxError>
        do throws(ImageInboxError) {
            // A file that could not be read is not remembered: the next job tries it again.
            guard let read = try FolderDefaults.read(path) else { return nil }
            style = .success(read)
        } catch {
            style = .failure(error)
        }
        entries.withLock { entries in
            if entries.count >= Self.maximumEntries { entries.removeAll() }
            entries[path] = Entry(version: version, style: style)
        }
        return try style.get()
    }
}
