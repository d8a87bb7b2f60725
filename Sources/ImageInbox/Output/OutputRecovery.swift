package import Foundation

/// Finds results a job already wrote before the daemon was killed, by the job id embedded in them,
/// so that a restart records them instead of paying for the images again.
package enum OutputRecovery {
    /// The results next to `stem` (`/inbox/cat` → `cat.png`, `cat-2.png`, …) whose embedded `job`
    /// is `jobID`, in name order.
    ///
    /// A preview (`NAME.preview.png`) carries its job's id too, but is no result.
    ///
    /// - Parameter anyNameSince: For results named by a template (whose values, such as the
    ///   size, may have changed since): look at every file of that type in the folder modified
    ///   since a day before this time (a share's server sets modification times by its own
    ///   clock), whatever its name.
    package static func results(of jobID: String, stem: String, fileExtension: String, anyNameSince: Date? = nil) -> [String] {
        let name = SourceName(path: stem + ".x")
        let prefix = SourceName(path: stem).fileName
        let since = anyNameSince.map { Int64($0.timeIntervalSince1970 - 86_400) * 1_000_000_000 }
        return (FileSystem.directoryEntries(name.directory) ?? []).filter { entry in
            guard entry.lowercased().hasSuffix("." + fileExtension), !entry.hasPrefix("."), !PreviewFiles.isPreview(entry) else { return false }
            if let since {
                return (FileSystem.identity(of: name.directory + "/" + entry)?.modificationNanoseconds ?? 0) >= since
            }
            guard entry.hasPrefix(prefix) else { return false }
            let middle = entry.dropFirst(prefix.count).dropLast(fileExtension.count + 1)
            return middle.isEmpty || (middle.first == "-" && Int(middle.dropFirst()) != nil)
        }.map { name.directory + "/" + $0 }.filter { path in
            guard case .success(let bytes) = FileSystem.readRegularFile(path, limit: 128 * 1024 * 1024) else { return false }
            return embeddedJob(in: bytes) == jobID
        }
    }

    /// The job id embedded in a result or preview the daemon wrote, if any.
    package static func embeddedJob(in bytes: [UInt8]) -> String? {
        if let job = ImageMetadata(readingFrom: bytes)["job"] { return job }
        // WebP carries the entries as XMP.
        let text = String(decoding: bytes.suffix(64 * 1024), as: UTF8.self)
        guard let start = text.range(of: "<imageinbox:job>"), let end = text.range(of: "</imageinbox:job>", range: start.upperBound..<text.endIndex) else {
            return nil
        }
        return String(text[start.upperBound..<end.lowerBound])
    }
}
