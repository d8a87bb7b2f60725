/// Makes images without any API: real placeholder images of the requested size and format,
/// so that a share setup can be tried end to end at no cost (`run --dry-run`).
package struct PlaceholderGenerator: ImageGenerating {
    package init() {}

    package func generate(_ request: GenerationRequest, previews: PreviewSink?, beforeDownload: @escaping PendingDownload.Recorder) async throws -> GenerationResult {
        let parameters = request.parameters
        let (width, height) = parameters.size.flatMap(ProviderProfile.dimensions(of:)) ?? (1024, 1024)
        let seed = UInt64(ContentHash.of(Array(request.prompt.utf8)).prefix(16), radix: 16) ?? 0
        let images = (0..<request.imageCount).map { index in
            PlaceholderImage.render(
                width: width,
                height: height,
                format: parameters.format,
                seed: seed &+ UInt64(index),
                transparent: parameters.background == "transparent",
                // The API's defaults: 9 frames of 200 ms.
                frames: parameters.format == .gif ? parameters.frames ?? 9 : 1,
                frameDurationMilliseconds: parameters.frameDurationMilliseconds ?? 200
            )
        }
        return GenerationResult(images: images, usage: APIUsage(usdSpent: 0))
    }

    package func edit(_ request: EditRequest, previews: PreviewSink?, beforeDownload: @escaping PendingDownload.Recorder) async throws -> GenerationResult {
        try await generate(GenerationRequest(prompt: request.prompt, parameters: request.parameters, imageCount: request.imageCount))
    }
}
