import Foundation
import ImageInbox
import Testing

struct ResultWriterTests {
    let folder: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("result-writer-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    @Test func takenNamesAreNeverOverwritten() throws {
        try Data("someone else's".utf8).write(to: URL(fileURLWithPath: folder + "/cat.png"))
        let written = try ResultWriter.write([[1, 2, 3]], stem: folder + "/cat", fileExtension: "png", numbered: false)
        #expect(written == [folder + "/cat-2.png"])
        #expect(try String(contentsOfFile: folder + "/cat.png", encoding: .utf8) == "someone else's")
        let again = try ResultWriter.write([[4]], stem: folder + "/cat", fileExtension: "png", numbered: false)
        #expect(again == [folder + "/cat-3.png"])
    }

    @Test func severalImagesAreNumberedFromOne() throws {
        let first = try ResultWriter.write([[1], [2], [3]], stem: folder + "/dog", fileExtension: "webp", numbered: true)
        #expect(first.map { SourceName(path: $0).fileName } == ["dog-1.webp", "dog-2.webp", "dog-3.webp"])
        let second = try ResultWriter.write([[4], [5]], stem: folder + "/dog", fileExtension: "webp", numbered: true)
        #expect(second.map { SourceName(path: $0).fileName } == ["dog-4.webp", "dog-5.webp"])
    }

    @Test func noTempFileIsLeftBehind() throws {
        _ = try ResultWriter.write([[1]], stem: folder + "/bird", fileExtension: "png", numbered: false)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter(ResultWriter.isTemporaryName).isEmpty)
    }

    @Test func staleTempFilesAreRemovedOnStart() throws {
        try Data([1]).write(to: URL(fileURLWithPath: folder + "/.cat.png.image-inbox-abc.tmp"))
        try Data([1]).write(to: URL(fileURLWithPath: folder + "/.someone-elses.tmp"))
        _ = InboxScanner(ignoreRules: IgnoreRules()).scanFolder(folder, removingStaleTemporaryFiles: true)
        #expect(!FileManager.default.fileExists(atPath: folder + "/.cat.png.image-inbox-abc.tmp"))
        #expect(FileManager.default.fileExists(atPath: folder + "/.someone-elses.tmp"))
    }

    @Test func aVanishedFolderIsAClearError() throws {
        let error = try #require(throws: ImageInboxError.self) {
            try ResultWriter.write([[1]], stem: folder + "/gone/x", fileExtension: "png", numbered: false)
        }
        #expect(error.code == .outputFailed)
        #expect(error.message.contains("folder was removed"))
    }
}
