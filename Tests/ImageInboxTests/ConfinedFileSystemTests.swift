import Foundation
import ImageInbox
import Inotify
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Paths beneath a confined folder (an inbox) never pass through a symbolic link and never
/// leave it, for every kind of access the daemon makes: reads, stats, listings, writes, renames
/// and removals. Real files in a real temp folder; a second folder beside the inbox stands for
/// everything outside it.
@Suite struct ConfinedFileSystemTests {
    let root: String
    let inbox: String
    let outside: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("image-inbox-confined-\(UUID().uuidString)").path
        inbox = root + "/inbox"
        outside = root + "/outside"
        for folder in [inbox + "/sub", outside] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        try Data("secret".utf8).write(to: URL(fileURLWithPath: outside + "/secret.png"))
        try FileManager.default.createSymbolicLink(atPath: inbox + "/sub/link", withDestinationPath: "../../outside")
        ConfinedRoots.confine(inbox)
    }

    private func cleanUp() { try? FileManager.default.removeItem(atPath: root) }

    @Test func aFileThroughALinkedFolderIsNeitherReadNorStatted() throws {
        defer { cleanUp() }
        let path = inbox + "/sub/link/secret.png"
        #expect(FileSystem.readRegularFile(path, limit: 1024).failureCode == ELOOP)
        #expect(FileSystem.readPrefix(path, count: 16).failureCode == ELOOP)
        #expect(FileSystem.identity(of: path) == nil)
        #expect(FileSystem.lookUp(path).failureCode == ELOOP)
        #expect(FileSystem.directoryEntries(inbox + "/sub/link") == nil)
        #expect(ReadOnlyFile.open(path).failureCode == ELOOP)
        // The link itself is an entry of the inbox, seen as what it is.
        #expect(FileSystem.identity(of: inbox + "/sub/link")?.isDirectory == false)
    }

    @Test func aPathThatLeavesTheInboxIsRefused() throws {
        defer { cleanUp() }
        #expect(FileSystem.readRegularFile(inbox + "/sub/../../outside/secret.png", limit: 1024).failureCode == EXDEV)
        // The inbox itself and its parent stay the administrator's to look at.
        #expect(FileSystem.identity(of: inbox + "/.")?.isDirectory == true)
        #expect(FileSystem.identity(of: inbox + "/..")?.isDirectory == true)
    }

    @Test func nothingIsWrittenRenamedOrRemovedThroughALink() throws {
        defer { cleanUp() }
        #expect(FileSystem.writeNewFile(inbox + "/sub/link/new.png", [1, 2, 3]).failureCode == ELOOP)
        #expect(throws: ImageInboxError.self) { try ResultWriter.write([[1]], stem: inbox + "/sub/link/cat", fileExtension: "png", numbered: false) }
        #expect(throws: ImageInboxError.self) { try ResultWriter.replace(inbox + "/sub/link/cat.error.txt", with: [1]) }
        #expect(!FileSystem.remove(inbox + "/sub/link/secret.png"))
        try Data("mine".utf8).write(to: URL(fileURLWithPath: inbox + "/sub/mine.png"))
        #expect(FileSystem.renameNoReplace(inbox + "/sub/mine.png", inbox + "/sub/link/mine.png").failureCode == ELOOP)
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside) == ["secret.png"])
        #expect(FileManager.default.fileExists(atPath: inbox + "/sub/mine.png"))
    }

    @Test func aFolderSwappedForAnotherIsNotWrittenInto() throws {
        defer { cleanUp() }
        let team = inbox + "/team"
        try FileManager.default.createDirectory(atPath: team, withIntermediateDirectories: true)
        let started = try #require(FileSystem.identity(of: team))
        #expect(try ResultWriter.write([[1]], stem: team + "/a", fileExtension: "png", numbered: false, folder: started) == [team + "/a.png"])
        // Renamed away and replaced by a real folder: another folder, refused.
        try FileManager.default.moveItem(atPath: team, toPath: team + ".orig")
        try FileManager.default.createDirectory(atPath: team, withIntermediateDirectories: true)
        let replaced = #expect(throws: ImageInboxError.self) { try ResultWriter.write([[2]], stem: team + "/b", fileExtension: "png", numbered: false, folder: started) }
        #expect(replaced.map(ResultWriter.isFolderReplaced) == true)
        // Replaced by a link to a folder outside: refused, nothing written there.
        try FileManager.default.removeItem(atPath: team)
        try FileManager.default.createSymbolicLink(atPath: team, withDestinationPath: outside)
        let linked = #expect(throws: ImageInboxError.self) { try ResultWriter.write([[3]], stem: team + "/c", fileExtension: "png", numbered: false, folder: started) }
        #expect(linked.map(ResultWriter.isFolderReplaced) == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside) == ["secret.png"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: team + ".orig") == ["a.png"])
    }

    @Test func aFileSwappedAfterItWasCheckedIsNotReadAgain() throws {
        defer { cleanUp() }
        let path = inbox + "/base.png"
        try Data(repeating: 1, count: 100).write(to: URL(fileURLWithPath: path))
        let checked = try FileSystem.readPrefix(path, count: 16).get().identity
        try Data(repeating: 2, count: 100).write(to: URL(fileURLWithPath: path + ".new"))
        #expect(rename(path + ".new", path) == 0)
        #expect(ReadOnlyFile.open(path, expecting: checked).failureCode == ESTALE)
    }

    /// Checked, then swapped before the upload: the upload stops, and not one byte of the file
    /// now at that path is sent.
    @Test func anUploadOfAFileSwappedAfterItWasCheckedSendsNoneOfTheNewBytes() async throws {
        defer { cleanUp() }
        let path = inbox + "/base.png"
        try Data(repeating: 0x11, count: 200_000).write(to: URL(fileURLWithPath: path))
        let checked = try FileSystem.readPrefix(path, count: 16).get().identity
        try Data(repeating: 0xEE, count: 200_000).write(to: URL(fileURLWithPath: path + ".new"))
        #expect(rename(path + ".new", path) == 0)
        let body = MultipartBody(parts: [
            .field(name: "prompt", value: "blue"),
            .file(name: "image[]", path: path, filename: "base.png", contentType: "image/png", size: checked.size, identity: checked),
        ])
        var sent: [UInt8] = []
        await #expect(throws: (any Error).self) {
            for try await chunk in body.chunks() { sent += chunk.readableBytesView }
        }
        #expect(!sent.contains(0xEE))
    }

    /// A scan that meets a folder swapped for a link removes no temp file there.
    @Test func aScanThroughALinkedFolderRemovesNothingOutside() throws {
        defer { cleanUp() }
        try Data([1]).write(to: URL(fileURLWithPath: outside + "/.image-inbox-abc.tmp"))
        let scan = InboxScanner(ignoreRules: IgnoreRules()).scanFolder(inbox + "/sub/link", removingStaleTemporaryFiles: true)
        #expect(scan.files.isEmpty && scan.subfolders.isEmpty)
        #expect(FileManager.default.fileExists(atPath: outside + "/.image-inbox-abc.tmp"))
        // The inbox's own folders are cleaned as before.
        try Data([1]).write(to: URL(fileURLWithPath: inbox + "/sub/.image-inbox-abc.tmp"))
        _ = InboxScanner(ignoreRules: IgnoreRules()).scanFolder(inbox + "/sub", removingStaleTemporaryFiles: true)
        #expect(!FileManager.default.fileExists(atPath: inbox + "/sub/.image-inbox-abc.tmp"))
    }

    @Test(.timeLimit(.minutes(1))) func aFIFOIsRefusedWithoutBlocking() throws {
        defer { cleanUp() }
        let path = inbox + "/pipe.png"
        #expect(mkfifo(path, 0o644) == 0)
        #expect(ReadOnlyFile.open(path).failureCode == EINVAL)
        #expect(FileSystem.readRegularFile(path, limit: 1024).failureCode == EINVAL)
    }

    @Test func theWalkWithoutOpenat2RefusesLinksAndEscapesToo() throws {
        defer { cleanUp() }
        let descriptor = open(inbox, O_RDONLY | O_DIRECTORY)
        defer { close(descriptor) }
        #expect(FileSystem.openBeneathByWalking(descriptor, "sub/link/secret.png", O_RDONLY) == -1 && errno == ELOOP)
        #expect(FileSystem.openBeneathByWalking(descriptor, "sub/../../outside/secret.png", O_RDONLY) == -1 && errno == EXDEV)
        try Data("ok".utf8).write(to: URL(fileURLWithPath: inbox + "/sub/ok.png"))
        let opened = FileSystem.openBeneathByWalking(descriptor, "sub/./ok.png", O_RDONLY)
        #expect(opened >= 0)
        close(opened)
    }
}

extension Result where Failure == SyscallError {
    /// The `errno` of a failure, nil for a success.
    var failureCode: Int32? {
        if case .failure(let error) = self { return error.code }
        return nil
    }
}
