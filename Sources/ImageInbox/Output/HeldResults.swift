import Foundation
import Synchronization

/// Finished images whose folder is away (a share unmounted mid-job), kept on the daemon's own
/// disk until the folder is back: paid for, so never thrown away, and never kept in memory.
///
/// Each job's results are a folder in ``directory``: the images, then `entry.json` saying where
/// they go, written last so that a folder without it is an interrupted write (its job is still
/// running in the ledger, and the next start runs it again). Delivering writes the images with
/// ``ResultWriter`` (never overwriting) and removes the folder.
package struct HeldResults: Sendable {
    /// Where results go once their folder is back.
    package struct Entry: Sendable, Codable, Equatable {
        /// The job the results are of.
        package var jobID: String
        /// The inbox whose folder was away.
        package var inbox: String
        /// The source the results belong next to.
        package var sourcePath: String
        /// The result's path without its extension.
        package var stem: String
        /// `png`, `jpg`, `webp`, `gif`, `svg`.
        package var fileExtension: String
        /// Whether the names are numbered (several images).
        package var numbered: Bool
        /// How many images there are.
        package var count: Int

        package init(jobID: String, inbox: String, sourcePath: String, stem: String, fileExtension: String, numbered: Bool, count: Int) {
            self.jobID = jobID
            self.inbox = inbox
            self.sourcePath = sourcePath
            self.stem = stem
            self.fileExtension = fileExtension
            self.numbered = numbered
            self.count = count
        }
    }

    /// The folder the held results are kept in (in the state directory).
    package let directory: String
    /// Past this many bytes held, new jobs wait until some are delivered.
    package let maximumBytes: Int64
    /// The last count and what the folder was then: every job asks, and the folder rarely changes.
    private let counted = SharedCount()

    package init(directory: String, maximumBytes: Int64 = 1024 * 1024 * 1024) {
        self.directory = directory
        self.maximumBytes = maximumBytes
    }

    /// Keeps `images` for `entry`, flushed to disk.
    ///
    /// - Throws: ``ImageInboxError`` `outputFailed` when the state directory cannot take them.
    package func hold(_ images: [[UInt8]], for entry: Entry) throws(ImageInboxError) {
        // A hold, done or failed halfway, always recounts: a count taken while it was writing
        // is short, and the folder's times may not move again.
        defer { counted.generation.add(1, ordering: .releasing) }
        let folder = directory + "/" + entry.jobID
        do {
            // The daemon's alone: a held entry says where to write, so nobody else may write one.
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ImageInboxError(code: .outputFailed, message: "Can't keep the results in '\(folder)': \(error).", cause: error)
        }
        for (index, image) in images.enumerated() {
            FileSystem.remove(folder + "/\(index).\(entry.fileExtension)")
            if case .failure(let error) = FileSystem.writeNewFile(folder + "/\(index).\(entry.fileExtension)", image, permissions: 0o600) {
                throw ImageInboxError(code: .outputFailed, message: "Can't keep the results in '\(folder)': \(error).")
            }
        }
        let encoded: Data
        do {
            encoded = try JSONEncoder().encode(entry)
        } catch {
            throw ImageInboxError(code: .outputFailed, message: "Can't describe the held results: \(error).", cause: error)
        }
        FileSystem.remove(folder + "/entry.json")
        if case .failure(let error) = FileSystem.writeNewFile(folder + "/entry.json", [UInt8](encoded), permissions: 0o600) {
            throw ImageInboxError(code: .outputFailed, message: "Can't keep the results in '\(folder)': \(error).")
        }
        FileSystem.syncDirectory(folder)
        FileSystem.syncDirectory(directory)
    }

    /// Every complete entry held, oldest job first by name.
    ///
    /// An entry says where to write and what to delete, so one that does not hold together (a
    /// job id that is not its folder's name, a result outside its inbox, an extension that is not
    /// an image's) is left where it is, unread: see ``Entry/isSound(inFolder:)``.
    ///
    /// - Parameter refused: Called with each folder whose entry is refused, and why.
    package func entries(refused: (String, String) -> Void = { _, _ in }) -> [Entry] {
        (FileSystem.directoryEntries(directory) ?? []).sorted().compactMap { name in
            guard case .success(let bytes) = FileSystem.readRegularFile(directory + "/" + name + "/entry.json", limit: 64 * 1024) else { return nil }
            // An entry that cannot be decoded is one an interrupted hold left: its job runs again.
            guard let entry = try? JSONDecoder().decode(Entry.self, from: Data(bytes)) else { return nil }
            if let problem = entry.problem(inFolder: name) {
                refused(directory + "/" + name, problem)
                return nil
            }
            return entry
        }
    }

    /// The bytes held, all entries together: counted again after every hold and discard, and
    /// when an entry was added or removed by hand (images removed from inside an entry are
    /// counted at the next hold or discard).
    package func heldBytes() -> Int64 {
        // "/." follows a symbolic link to the real folder.
        let version = FileSystem.version(of: directory + "/.")
        let generation = counted.generation.load(ordering: .acquiring)
        if let version, let total = counted.value.withLock({ $0.version == version && $0.generation == generation ? $0.total : nil }) {
            return total
        }
        let total = countBytes()
        if let version { counted.value.withLock { $0 = (version, generation, total) } }
        return total
    }

    private func countBytes() -> Int64 {
        var total: Int64 = 0
        for name in FileSystem.directoryEntries(directory) ?? [] {
            for file in FileSystem.directoryEntries(directory + "/" + name) ?? [] {
                total += FileSystem.identity(of: directory + "/" + name + "/" + file)?.size ?? 0
            }
        }
        return total
    }

    /// Writes an entry's images next to its source and stops holding them (only an entry that
    /// ``entries(refused:)`` accepts).
    ///
    /// - Returns: The paths written.
    /// - Throws: ``ImageInboxError`` when an image cannot be read back or written; the entry is
    ///   kept then.
    package func deliver(_ entry: Entry, ownership: OutputOwnership = .inherited) throws(ImageInboxError) -> [String] {
        if let problem = entry.problem(inFolder: entry.jobID) {
            throw ImageInboxError(code: .outputFailed, message: "The held entry '\(entry.jobID)' is refused: \(problem).")
        }
        let folder = directory + "/" + entry.jobID
        var images: [[UInt8]] = []
        for index in 0..<entry.count {
            switch FileSystem.readRegularFile(folder + "/\(index).\(entry.fileExtension)", limit: 512 * 1024 * 1024) {
            case .success(let bytes): images.append(bytes)
            case .failure(let error):
                throw ImageInboxError(code: .outputFailed, message: "Can't read the held result in '\(folder)': \(error).")
            }
        }
        let written = try ResultWriter.write(images, stem: entry.stem, fileExtension: entry.fileExtension, numbered: entry.numbered, ownership: ownership)
        discard(entry.jobID)
        return written
    }

    /// Removes what is held for `jobID`.
    package func discard(_ jobID: String) {
        let folder = directory + "/" + jobID
        for file in FileSystem.directoryEntries(folder) ?? [] { FileSystem.remove(folder + "/" + file) }
        rmdir(folder)
        FileSystem.syncDirectory(directory)
        counted.generation.add(1, ordering: .releasing)
    }
}

/// The count ``HeldResults/heldBytes()`` keeps, shared by the copies of one ``HeldResults``.
private final class SharedCount: Sendable {
    /// Moved on by every hold and discard.
    let generation = Atomic<UInt64>(0)
    /// The folder's version, the generation, and the bytes held, at the last count.
    let value = Mutex<(version: FileSystem.Version?, generation: UInt64, total: Int64)>((nil, 0, 0))
}
