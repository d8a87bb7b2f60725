import Foundation
import RawFileNames

/// The mounts this process sees, from `/proc/self/mountinfo`.
package struct MountTable: Sendable {
    /// One mount: where it is and its file system type.
    package struct Mount: Sendable, Hashable, Codable {
        package var mountPoint: String
        /// The file system type, as mountinfo names it (`nfs4`, `cifs`, `fuse.bindfs`).
        package var type: String

        package init(mountPoint: String, type: String) {
            self.mountPoint = mountPoint
            self.type = type
        }

        /// `/srv/design/agency (nfs4)`.
        package var summary: String { "\(mountPoint) (\(type))" }
    }

    package var mounts: [Mount]

    package init(mounts: [Mount]) {
        self.mounts = mounts
    }

    /// The table now; empty when it cannot be read.
    package static func current() -> MountTable {
        // Mount points are the bytes the mount was made with, not always UTF-8.
        guard case .success(let bytes) = FileSystem.readRegularFile("/proc/self/mountinfo", limit: 16 << 20) else { return MountTable(mounts: []) }
        return MountTable(parsing: RawFileName.decode(bytes))
    }

    /// Parses mountinfo lines: `id parent major:minor root mount-point options [optional…] - type source super-options`.
    package init(parsing table: String) {
        mounts = table.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count > 6, let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count else { return nil }
            return Mount(mountPoint: Self.unescape(fields[4]), type: fields[dash + 1])
        }
    }

    /// The mount `path` is on: the one with the longest mount point that contains it.
    package func mount(containing path: String) -> Mount? {
        mounts.filter { path == $0.mountPoint || path.hasPrefix($0.mountPoint == "/" ? "/" : $0.mountPoint + "/") }
            .max { $0.mountPoint.count < $1.mountPoint.count }
    }

    /// The mount points strictly below `directory`.
    package func mountPoints(below directory: String) -> [String] {
        Array(Set(mounts.map(\.mountPoint).filter { $0.hasPrefix(directory + "/") })).sorted()
    }

    /// mountinfo writes space, tab, newline and backslash as octal escapes (`\040`).
    private static func unescape(_ field: String) -> String {
        guard field.contains("\\") else { return field }
        var result = ""
        var scalars = Array(field.unicodeScalars)[...]
        while let scalar = scalars.popFirst() {
            if scalar == "\\", scalars.count >= 3, let code = UInt8(String(String.UnicodeScalarView(scalars.prefix(3))), radix: 8) {
                result.unicodeScalars.append(Unicode.Scalar(code))
                scalars = scalars.dropFirst(3)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
