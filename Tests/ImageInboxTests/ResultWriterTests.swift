import Foundation
import ImageInbox
import Testing

struct ResultWriterTests {
    let folder: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("result-writer-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    @Test func onlyTheDaemonsTempNamesAreTakenForTempFiles() {
        #expect(ResultWriter.isTemporaryName(".image-inbox-3k9x.tmp"))
        #expect(ResultWriter.isTemporaryName(".cat.image-inbox-3k9x.tmp"))
        for name in ["image-inbox-3k9x.tmp", ".image-inbox-3k9x.png", ".image-inbox.tmp", ".tmp", "cat.prompt", "", ".image-inbox-é.tmpx"] {
            #expect(!ResultWriter.isTemporaryName(name), "\(name)")
        }
    }

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

    @Test func namesTooLongForTheFileSystemAreCutAtACharacterBoundary() {
        let long = "/in/" + String(repeating: "x", count: 247)
        #expect(SourceName.fitting(long, suffixBytes: 11) == "/in/" + String(repeating: "x", count: 244))
        #expect(SourceName.fitting("/in/cat", suffixBytes: 11) == "/in/cat", "a name that fits is kept")
        // 2-byte characters: 122 of them are 244 bytes; a 123rd would split none but overflow.
        let accented = "/in/" + String(repeating: "é", count: 130)
        #expect(SourceName.fitting(accented, suffixBytes: 11) == "/in/" + String(repeating: "é", count: 122))
        #expect(ErrorReport.path(for: long + ".prompt") == "/in/" + String(repeating: "x", count: 245) + ".error.txt")
    }

    @Test func tempNamesStayShortWhateverTheResultsName() throws {
        let stem = folder + "/" + String(repeating: "y", count: 244)
        let written = try ResultWriter.write([[1]], stem: stem, fileExtension: "webp", numbered: true)
        #expect(written == [stem + "-1.webp"])
        try ResultWriter.replace(folder + "/" + String(repeating: "z", count: 250) + ".txt", with: [1])
    }

    @Test func staleTempFilesAreRemovedOnStart() throws {
        try Data([1]).write(to: URL(fileURLWithPath: folder + "/.image-inbox-abc.tmp"))
        try Data([1]).write(to: URL(fileURLWithPath: folder + "/.cat.png.image-inbox-abc.tmp"))
        try Data([1]).write(to: URL(fileURLWithPath: folder + "/.someone-elses.tmp"))
        _ = InboxScanner(ignoreRules: IgnoreRules()).scanFolder(folder, removingStaleTemporaryFiles: true)
        #expect(!FileManager.default.fileExists(atPath: folder + "/.cat.png.image-inbox-abc.tmp"), "an older version's temp name")
        #expect(!FileManager.default.fileExists(atPath: folder + "/.image-inbox-abc.tmp"))
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
