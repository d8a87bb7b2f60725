import AsyncHTTPClient
import Foundation
import ImageInbox
import Logging

/// Runs one request from a terminal (`generate`, `edit`): a progress line while waiting (requests
/// take 10 s to over 2 minutes), then the image written with its metadata.
enum OneShot {
    static func run(
        verb: String,
        settings: DaemonConfiguration,
        parameters: ResolvedParameters,
        metadata: [(key: String, value: String)],
        output: String,
        request: @escaping @Sendable (any ImageGenerating) async throws -> GenerationResult
    ) async throws {
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let generator = settings.makeGenerator(httpClient: httpClient, logger: Logger(label: "image-inbox"))
            let started = ContinuousClock.now
            let result = try await withThrowingTaskGroup(of: GenerationResult?.self) { group in
                group.addTask { try await request(generator) }
                group.addTask {
                    while true {
                        try await Task.sleep(for: .seconds(1))
                        let elapsed = (ContinuousClock.now - started).components.seconds
                        FileHandle.standardError.write(Data("\r\(verb) with \(parameters.model)… \(elapsed) s".utf8))
                    }
                }
                defer { group.cancelAll() }
                while let next = try await group.next() {
                    if let next { return next }
                }
                throw CancellationError()
            }
            let entries: [(key: String, value: String)] =
                metadata + [
                    ("model", parameters.model), ("size", parameters.size ?? "default"), ("quality", parameters.quality ?? "default"),
                    ("created", ISO8601DateFormatter().string(from: Date())), ("generator", "image-inbox \(ImageInboxVersion.current)"),
                ]
            let image = try ImageMetadata(entries).embed(into: result.images[0])
            let target = SourceName(path: URL(fileURLWithPath: output).standardizedFileURL.path)
            let written = try ResultWriter.write([image], stem: target.stem, fileExtension: target.fileExtension, numbered: false)
            let cost = result.usage.usdSpent.map { String(format: ", $%.4f", $0) } ?? ""
            let elapsed = (ContinuousClock.now - started).components.seconds
            FileHandle.standardError.write(Data("\rWrote \(written[0]) in \(elapsed) s\(cost)\n".utf8))
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }
}
