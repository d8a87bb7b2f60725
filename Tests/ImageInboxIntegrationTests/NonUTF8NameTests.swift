import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Names that are not UTF-8 (Latin-1, from old SMB clients and archives unpacked on Linux) are
/// files like any other: the real daemon answers them beside their sources under the same bytes,
/// names them readably in its log, and never pays for them twice.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct NonUTF8NameTests {
    @Test func latin1NamesAreAnsweredBesideTheirSourcesAndLoggedReadably() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("image-inbox-names-\(UUID().uuidString)").path
        let inbox = root + "/inbox"
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let stub = try await ImagesAPIStub.start()
        try Data(stub.apiKey.utf8).write(to: URL(fileURLWithPath: root + "/api-key"))
        let arguments = ["--inbox", inbox, "--provider", "aimlapi", "--base-url", stub.baseURL, "--api-key-file", root + "/api-key", "--state-dir", root + "/state"]
        let log = URL(fileURLWithPath: root + "/daemon.log")
        func text() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        // caf\xE9, d\xE9j\xE0 and tr\xE8s: Latin-1, each an invalid UTF-8 sequence.
        let cafe = Array("caf".utf8) + [0xE9]
        let dejaVu = Array("d".utf8) + [0xE9] + Array("j".utf8) + [0xE0]
        let tres = Array("tr".utf8) + [0xE8] + Array("s".utf8)
        let image = PlaceholderImage.render(width: 1024, height: 1024, format: .png, seed: 7)

        try RawNames.write(Array("A cup of coffee".utf8), in: inbox, named: cafe + Array(".prompt".utf8))
        try RawNames.write([], in: inbox, named: dejaVu + Array(".prompt".utf8))
        try RawNames.write(image, in: inbox, named: tres + Array(".png".utf8))
        try RawNames.write(Array("Make it blue".utf8), in: inbox, named: tres + Array(".edit".utf8))

        let daemon = try DaemonProcess(arguments: arguments, log: log)
        let expected: Set<[UInt8]> = [
            cafe + Array(".prompt".utf8), cafe + Array(".png".utf8),
            dejaVu + Array(".prompt".utf8), dejaVu + Array(".error.txt".utf8),
            tres + Array(".png".utf8), tres + Array(".edit".utf8), tres + Array(".edited.png".utf8),
        ]
        #expect(await eventually { RawNames.list(inbox) == expected }, "\(RawNames.list(inbox).map(RawNames.shown)) \(text())")
        #expect(ImageInfo(bytes: try RawNames.read(in: inbox, named: cafe + Array(".png".utf8)))?.format == .png)
        let note = String(decoding: try RawNames.read(in: inbox, named: dejaVu + Array(".error.txt".utf8)), as: UTF8.self)
        #expect(note.contains("prompt is empty"), "\(note)")
        let edited = try RawNames.read(in: inbox, named: tres + Array(".edited.png".utf8))
        #expect(ImageMetadata(readingFrom: edited)["images"] == "tr\\xE8s.png")
        #expect(ImageMetadata(readingFrom: edited)["source"] == "tr\\xE8s.edit")

        #expect(stub.generationRequests.compactMap { $0.fields["prompt"] } == ["A cup of coffee"])
        let upload = try #require(stub.editRequests.first?.parts.first { $0.filename != nil })
        #expect(upload.filename == "tr\\xE8s.png")
        #expect(upload.bytes == image)
        // The log names the files readably: each byte that is not UTF-8 as \xNN.
        #expect(text().contains("file.path=\(inbox)/caf\\xE9.prompt"), "\(text())")
        #expect(text().contains("\(inbox)/d\\xE9j\\xE0.prompt"), "\(text())")
        #expect(!text().unicodeScalars.contains { $0.properties.generalCategory == .privateUse }, "\(text())")
        #expect(await daemon.terminate() == 0)

        // Started again, the ledger knows these names (keyed by their bytes): nothing is sent twice.
        let again = try DaemonProcess(arguments: arguments, log: log)
        try Data("After the restart".utf8).write(to: URL(fileURLWithPath: inbox + "/after.prompt"))
        #expect(await eventually { FileManager.default.fileExists(atPath: inbox + "/after.png") })
        #expect(await again.terminate() == 0)
        #expect(stub.generationRequests.compactMap { $0.fields["prompt"] } == ["A cup of coffee", "After the restart"])
        #expect(stub.editRequests.count == 1)
        #expect(RawNames.list(inbox) == expected.union([Array("after.prompt".utf8), Array("after.png".utf8)]))
        await stub.stop()
    }
}

/// Files named by raw bytes, through the system calls themselves: Foundation's file APIs take
/// names as text and cannot spell these.
enum RawNames {
    struct Failure: Error { var errno: Int32 }

    static func write(_ bytes: [UInt8], in folder: String, named name: [UInt8]) throws {
        let fd = withPath(folder, name) { open($0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        guard fd >= 0 else { throw Failure(errno: errno) }
        defer { close(fd) }
        guard bytes.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count else { throw Failure(errno: errno) }
    }

    static func read(in folder: String, named name: [UInt8]) throws -> [UInt8] {
        let fd = withPath(folder, name) { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw Failure(errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += chunk[..<count]
        }
        return bytes
    }

    /// The names in `folder`, as bytes, but for hidden ones (the daemon's lock file).
    static func list(_ folder: String) -> Set<[UInt8]> {
        guard let dir = opendir(folder) else { return [] }
        defer { closedir(dir) }
        var names: Set<[UInt8]> = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name.first != UInt8(ascii: ".") { names.insert(name) }
        }
        return names
    }

    /// A name for a failure message.
    static func shown(_ name: [UInt8]) -> String {
        name.map { $0 < 0x80 ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16, uppercase: true) }.joined()
    }

    private static func withPath<T>(_ folder: String, _ name: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
        let path = (Array(folder.utf8) + [UInt8(ascii: "/")] + name + [0]).map { CChar(bitPattern: $0) }
        return path.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
