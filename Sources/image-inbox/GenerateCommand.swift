import ArgumentParser
import AsyncHTTPClient
import Configuration
import Foundation
import ImageInbox
import Logging

/// `image-inbox generate "prompt" -o out.png`: one image from a terminal, with progress.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Make one image from a prompt, right now."
    )

    @OptionGroup var shared: SharedOptions

    @Argument(help: "What the image should show.")
    var prompt: String

    @Option(name: [.short, .customLong("output")], help: "Where to write the image (must not exist).")
    var output: String

    @Option(name: .long, help: "WIDTHxHEIGHT or auto.")
    var size: String?

    @Option(name: .long, help: "low, medium, high (or auto where the provider has it).")
    var quality: String?

    @Option(name: .long, help: "png, jpeg or webp (default: from the output's extension).")
    var format: String?

    func run() async throws {
        let settings: DaemonConfiguration
        let request: GenerationRequest
        do {
            settings = try await shared.load(purpose: .oneShot)
            var parameters = ImageParameters(size: size, quality: quality)
            let formatName = format ?? SourceName(path: output).fileExtension
            if let chosen = ImageFormat(name: formatName) {
                parameters.format = chosen
            } else if format != nil {
                throw ImageInboxError(code: .invalidParameter, message: "format '\(formatName)' is not one of png, jpeg, webp.")
            }
            let resolved = try settings.profile.resolve(parameters.layered(over: settings.defaults))
            request = GenerationRequest(prompt: prompt, parameters: resolved)
        } catch let error as ImageInboxError {
            throw CommandError(error)
        }
        guard !FileManager.default.fileExists(atPath: output) else {
            throw ValidationError("'\(output)' already exists; choose another name.")
        }

        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await generate(request, settings: settings, httpClient: httpClient)
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }

    private func generate(_ request: GenerationRequest, settings: DaemonConfiguration, httpClient: HTTPClient) async throws {
        let generator: any ImageGenerating =
            settings.dryRun
            ? PlaceholderGenerator()
            : ImagesAPIClient(
                configuration: .init(
                    profile: settings.profile,
                    baseURL: settings.baseURL,
                    apiKey: settings.apiKey!,
                    requestTimeout: settings.requestTimeout,
                    responseFormat: settings.responseFormat
                ),
                httpClient: httpClient,
                logger: Logger(label: "image-inbox")
            )

        let started = ContinuousClock.now
        let result = try await withThrowingTaskGroup(of: GenerationResult?.self) { group in
            group.addTask { try await generator.generate(request) }
            group.addTask {
                // Generations take 10 s to over 2 minutes: show that something is happening.
                while true {
                    try await Task.sleep(for: .seconds(1))
                    let elapsed = (ContinuousClock.now - started).components.seconds
                    FileHandle.standardError.write(Data("\rGenerating with \(request.parameters.model)… \(elapsed) s".utf8))
                }
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let next { return next }
            }
            throw CancellationError()
        }
        let elapsed = ContinuousClock.now - started
        let metadata = ImageMetadata([
            ("prompt", prompt), ("model", request.parameters.model), ("size", request.parameters.size ?? "default"),
            ("quality", request.parameters.quality ?? "default"), ("created", ISO8601DateFormatter().string(from: Date())),
            ("generator", "image-inbox \(ImageInboxVersion.current)"),
        ])
        let image = try metadata.embed(into: result.images[0])
        let target = URL(fileURLWithPath: output).standardizedFileURL.path
        let written = try ResultWriter.write([image], stem: SourceName(path: target).stem, fileExtension: SourceName(path: target).fileExtension, numbered: false)
        let cost = result.usage.usdSpent.map { String(format: ", $%.4f", $0) } ?? ""
        FileHandle.standardError.write(Data("\rWrote \(written[0]) in \(elapsed.components.seconds) s\(cost)\n".utf8))
    }
}
