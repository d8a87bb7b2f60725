import AsyncHTTPClient
import Foundation
import ImageInbox
import ImageInboxTestSupport
import Logging
import NIOCore
import Testing

/// The multipart body and the stub's checks of edit requests, without the daemon.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct EditClientTests {
    let folder: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("edit-client-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    func file(_ name: String, _ bytes: [UInt8]) throws -> EditRequest.Upload {
        let path = folder + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return EditRequest.Upload(path: path, format: ImageFormat(sniffing: bytes)!, size: Int64(bytes.count))
    }

    @Test func theBodyIsExactlyAsLongAsDeclaredAndParsesBack() async throws {
        let image = try file("a b\"c.png", PlaceholderImage.render(width: 64, height: 64, format: .png, seed: 1))
        let body = MultipartBody(parts: [
            .field(name: "prompt", value: "Zwei Zeilen\nund ein Ü"),
            .file(name: "image", path: image.path, filename: image.filename, contentType: "image/png", size: image.size),
        ])
        var bytes: [UInt8] = []
        for try await chunk in body.chunks(chunkLength: 100) { bytes += chunk.readableBytesView }
        #expect(Int64(bytes.count) == body.contentLength)
        let parts = try #require(StubPart.parse(bytes, boundary: body.boundary))
        #expect(parts.map(\.name) == ["prompt", "image"])
        #expect(parts[0].text == "Zwei Zeilen\nund ein Ü")
        #expect(parts[1].filename == "a b%22c.png")
        #expect(parts[1].bytes == (try Data(contentsOf: URL(fileURLWithPath: image.path))).map { $0 })
    }

    @Test func aFileThatShrinksWhileSentFailsTheRequest() async throws {
        let image = try file("shrinks.png", PlaceholderImage.render(width: 64, height: 64, format: .png, seed: 1))
        let body = MultipartBody(parts: [.file(name: "image", path: image.path, filename: "x.png", contentType: "image/png", size: image.size + 10)])
        await #expect(throws: (any Error).self) {
            for try await _ in body.chunks() {}
        }
    }

    @Test func theStubRefusesWhatTheAPIRefuses() async throws {
        let stub = try await ImagesAPIStub.start()
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let client = ImagesAPIClient(
            configuration: .init(profile: .profile(for: .aimlapi), baseURL: stub.baseURL, apiKey: APIKey(stub.apiKey)),
            httpClient: http,
            logger: Logger(label: "test")
        )
        let base = try file("base.png", PlaceholderImage.render(width: 1024, height: 1024, format: .png, seed: 1))
        let smallMask = try file("small.png", PlaceholderImage.render(width: 512, height: 512, format: .png, seed: 2, transparent: true))
        let opaqueMask = try file("opaque.png", PlaceholderImage.render(width: 1024, height: 1024, format: .png, seed: 3))
        var mislabelled = base
        mislabelled.format = .jpeg
        let parameters = ResolvedParameters(model: "openai/gpt-image-2")
        let cases: [(EditRequest, String)] = [
            (EditRequest(prompt: "x", parameters: parameters, images: [base], mask: smallMask), "match the image dimensions"),
            (EditRequest(prompt: "x", parameters: parameters, images: [base], mask: opaqueMask), "alpha channel"),
            (EditRequest(prompt: "x", parameters: parameters, images: [mislabelled]), "Invalid image file"),
            (EditRequest(prompt: "x", parameters: parameters, images: Array(repeating: base, count: 17)), "At most 16"),
        ]
        for (request, words) in cases {
            do {
                _ = try await client.edit(request)
                Issue.record("expected a refusal mentioning \(words)")
            } catch let error as ImageInboxError {
                #expect(error.code == .requestRejected && error.message.contains(words), "\(error.message)")
            }
        }
        let result = try await client.edit(EditRequest(prompt: "fine", parameters: parameters, images: [base, base]))
        #expect(ImageInfo(bytes: result.images[0])?.width == 1024)
        #expect(stub.editRequests.last?.parts.filter { $0.name == "image[]" }.count == 2)
        try await http.shutdown()
        await stub.stop()
    }
}
