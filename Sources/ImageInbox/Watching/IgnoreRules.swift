#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import RawFileNames

/// Which names in an inbox are never looked at: hidden files, the share junk that Macs, Windows,
/// NAS boxes and editors leave behind, the daemon's own temp files, and the admin's own globs.
package struct IgnoreRules: Sendable, Equatable {
    /// File name globs ignored everywhere.
    package static let defaultFilePatterns = [
        "Thumbs.db", "desktop.ini*", "~$*", ".~lock.*#", "#*#", "*~", "*.tmp", "*.part", "*.partial",
        "*.crdownload", "*.download", "*.swp",
        // The daemon's own previews (NAME.preview.png) while a result streams in.
        "*.preview.*",
    ]
    /// Folder names never descended into.
    package static let defaultFolderNames = [
        "@eaDir", ".Trashes", ".Spotlight-V100", "__MACOSX", "$RECYCLE.BIN", "System Volume Information",
    ]

    // FNM_CASEFOLD is a GNU extension the Glibc module does not export.
    private static let caseFold: Int32 = 1 << 4

    /// The admin's extra globs, matched against names (case-insensitively, like the defaults).
    package var extraPatterns: [String] {
        didSet { patterns = Self.compile(extraPatterns) }
    }

    // Every name a scan reads is matched: the globs are kept as C strings, converted once.
    private var patterns: [[CChar]]

    package init(extraPatterns: [String] = []) {
        self.extraPatterns = extraPatterns
        self.patterns = Self.compile(extraPatterns)
    }

    package static func == (lhs: IgnoreRules, rhs: IgnoreRules) -> Bool {
        lhs.extraPatterns == rhs.extraPatterns
    }

    private static func compile(_ extra: [String]) -> [[CChar]] {
        (defaultFilePatterns + extra).map { Array($0.utf8CString) }
    }

    /// Whether a file or folder with this name is ignored.
    package func ignores(name: String) -> Bool {
        if name.hasPrefix(".") { return true }
        if Self.defaultFolderNames.contains(name) { return true }
        return RawFileName.withCString(name) { name in
            patterns.contains { pattern in pattern.withUnsafeBufferPointer { fnmatch($0.baseAddress, name, Self.caseFold) == 0 } }
        }
    }

    /// Whether any component of `relativePath` (below the inbox) is ignored.
    package func ignores(relativePath: String) -> Bool {
        relativePath.split(separator: "/").contains { ignores(name: String($0)) }
    }
}
