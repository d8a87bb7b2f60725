import RawFileNames

/// The inboxes of this host by the names all hosts know them by: a shared ledger keys jobs by
/// (inbox name, path inside the inbox), as hosts mount the same share at different places.
package struct SharedInboxes: Sendable, Equatable {
    /// Each inbox's name and its folder on this host.
    package var folders: [(name: String, path: String)]

    /// The inboxes of this host, each with its name and folder.
    package init(_ folders: [(name: String, path: String)]) {
        // The longest folder first: an inbox inside another is found before it.
        self.folders = folders.sorted { $0.path.utf8.count > $1.path.utf8.count }
    }

    /// The same names for the same folders.
    package static func == (lhs: SharedInboxes, rhs: SharedInboxes) -> Bool {
        lhs.folders.elementsEqual(rhs.folders) { $0.name == $1.name && $0.path == $1.path }
    }

    /// The inbox name and the path inside it (its bytes) of a source path on this host; nil
    /// for a path in no inbox.
    func key(of sourcePath: String) -> (inbox: String, path: [UInt8])? {
        for folder in folders where sourcePath.hasPrefix(folder.path + "/") {
            return (folder.name, RawFileName.bytes(of: String(sourcePath.dropFirst(folder.path.count + 1))))
        }
        return nil
    }

    /// The inbox name and the path prefix (its bytes, ending in `/`; empty for the inbox itself)
    /// of a folder on this host; nil for a folder in no inbox.
    func key(ofFolder folder: String) -> (inbox: String, prefix: [UInt8])? {
        for inbox in folders {
            if folder == inbox.path { return (inbox.name, []) }
            if folder.hasPrefix(inbox.path + "/") {
                return (inbox.name, RawFileName.bytes(of: String(folder.dropFirst(inbox.path.count + 1))) + [UInt8(ascii: "/")])
            }
        }
        return nil
    }

    /// The inbox folder and source path on this host of a shared job; for an inbox this host
    /// does not serve, its name stands for its folder.
    func local(inbox name: String, path: [UInt8]) -> (inbox: String, sourcePath: String, served: Bool) {
        let folder = folder(named: name)
        return (folder, folder + "/" + RawFileName.decode(path), folders.contains { $0.name == name })
    }

    /// The folder on this host of the inbox of that name; for one this host does not serve,
    /// the name stands for it.
    func folder(named name: String) -> String {
        folders.first { $0.name == name }?.path ?? name
    }
}
