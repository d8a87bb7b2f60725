/// What one provider accepts, so that a request it would refuse is never sent.
///
/// The limits are the providers' published ones: the AI/ML API's model pages allow three fixed
/// sizes and `n = 1` for generations and accept `response_format`; OpenAI's spec adds `auto` size
/// and quality, arbitrary sizes for `gpt-image-2`, `n` up to 10, and rejects `response_format`
/// for GPT image models.
package struct ProviderProfile: Sendable, Equatable {
    /// Which provider this is.
    package var kind: ProviderKind
    /// The base URL requests go to, ending in `/v1`.
    package var defaultBaseURL: String?
    /// The model used when neither configuration nor front matter names one.
    package var defaultModel: String
    /// Whether requests carry `response_format` (GPT image models on OpenAI reject it).
    package var sendsResponseFormat: Bool
    /// The most images one generation request may ask for; larger counts are split.
    package var maximumImagesPerRequest: Int
    /// The accepted `quality` values.
    package var qualities: Set<String>
    /// Whether `auto` is an accepted size.
    package var acceptsAutoSize: Bool
    /// Whether a size outside the three standard ones may be asked for (checked per model).
    package var acceptsCustomSizes: Bool
    /// The most images one edit request may ask for: the edit endpoints take `n` 1–10 even where
    /// generations take one (the AI/ML API), and one upload then serves them all.
    package var maximumImagesPerEdit = 10
    /// Dollars per credit, for a provider that reports credits but not always dollars (the AI/ML
    /// API: 107341 credits = $0.0536705).
    package var defaultCreditUSD: Double? = nil
    /// Whether the provider streams partial images (`stream: true`, `partial_images`): OpenAI
    /// does; elsewhere `preview` is ignored.
    package var streamsPartialImages = false

    /// The standard sizes every GPT image model accepts.
    package static let standardSizes: Set<String> = ["1024x1024", "1024x1536", "1536x1024"]

    /// The profile of a provider.
    package static func profile(for kind: ProviderKind) -> ProviderProfile {
        switch kind {
        case .aimlapi:
            ProviderProfile(
                kind: .aimlapi,
                defaultBaseURL: "https://api.aimlapi.com/v1",
                defaultModel: "openai/gpt-image-2",
                sendsResponseFormat: true,
                maximumImagesPerRequest: 1,
                qualities: ["low", "medium", "high"],
                acceptsAutoSize: false,
                acceptsCustomSizes: false,
                defaultCreditUSD: 0.000_000_5
            )
        case .openai:
            ProviderProfile(
                kind: .openai,
                defaultBaseURL: "https://api.openai.com/v1",
                defaultModel: "gpt-image-2",
                sendsResponseFormat: false,
                maximumImagesPerRequest: 10,
                qualities: ["low", "medium", "high", "auto"],
                acceptsAutoSize: true,
                acceptsCustomSizes: true,
                streamsPartialImages: true
            )
        case .compatible:
            ProviderProfile(
                kind: .compatible,
                defaultBaseURL: nil,
                defaultModel: "gpt-image-2",
                sendsResponseFormat: false,
                maximumImagesPerRequest: 10,
                qualities: ["low", "medium", "high", "auto"],
                acceptsAutoSize: true,
                acceptsCustomSizes: true
            )
        }
    }

    /// Checks parameters against this provider and fills in the defaults.
    ///
    /// - Throws: ``ImageInboxError`` `invalidParameter` naming the parameter, the value and what
    ///   is accepted instead.
    package func resolve(_ parameters: ImageParameters) throws(ImageInboxError) -> ResolvedParameters {
        let model = parameters.model ?? defaultModel
        let format = parameters.format ?? .png
        guard !model.isEmpty, !model.contains(where: \.isWhitespace) else {
            throw invalid("model '\(model)' is not a model id. Use one like '\(defaultModel)'.")
        }
        if let size = parameters.size, !accepts(size: size, model: model) {
            throw invalid("size '\(size)' is not available here. Use one of \(sizeChoices(model: model)).")
        }
        if let quality = parameters.quality, !qualities.contains(quality) {
            throw invalid("quality '\(quality)' is not one of \(qualities.sorted().joined(separator: ", ")).")
        }
        if let background = parameters.background {
            guard ["transparent", "opaque", "auto"].contains(background) else {
                throw invalid("background '\(background)' is not one of transparent, opaque, auto.")
            }
            if background == "transparent" && !format.supportsTransparency {
                throw invalid("A transparent background needs format png or webp, not \(format.rawValue).")
            }
        }
        if let moderation = parameters.moderation, !["low", "auto"].contains(moderation) {
            throw invalid("moderation '\(moderation)' is not one of low, auto.")
        }
        if let compression = parameters.compression {
            guard (0...100).contains(compression) else {
                throw invalid("compression \(compression) is not between 0 and 100.")
            }
            guard format != .png else {
                throw invalid("compression applies to jpeg and webp only; remove it or set format to jpeg or webp.")
            }
        }
        let count = parameters.count ?? 1
        guard (1...10).contains(count) else {
            throw invalid("count \(count) is not between 1 and 10.")
        }
        return ResolvedParameters(
            model: model,
            size: parameters.size,
            quality: parameters.quality,
            format: format,
            formatWasChosen: parameters.format != nil,
            background: parameters.background,
            moderation: parameters.moderation,
            compression: parameters.compression,
            count: count,
            outputName: try parameters.outputName.map { name throws(ImageInboxError) in try OutputName(name) },
            partialImages: try partialImages(parameters)
        )
    }

    /// The partial images to stream for `preview: true`: `preview_images` (0–3, 2 by default);
    /// nil without a preview or where the provider does not stream.
    private func partialImages(_ parameters: ImageParameters) throws(ImageInboxError) -> Int? {
        let count = parameters.previewImages ?? 2
        guard (0...3).contains(count) else { throw invalid("preview_images \(count) is not between 0 and 3.") }
        return parameters.preview == true && streamsPartialImages ? count : nil
    }

    private func accepts(size: String, model: String) -> Bool {
        if Self.standardSizes.contains(size) { return true }
        if size == "auto" { return acceptsAutoSize }
        guard acceptsCustomSizes, let (width, height) = Self.dimensions(of: size) else { return false }
        if kind == .compatible { return true }
        // OpenAI: arbitrary sizes for gpt-image-2 only: both edges multiples of 16, the long
        // edge at most 3840, at most 3:1, and between 655,360 and 8,294,400 pixels in all.
        guard model.contains("gpt-image-2") else { return false }
        let long = max(width, height)
        let short = min(width, height)
        return width % 16 == 0 && height % 16 == 0 && long <= 3 * short && long <= 3840
            && (655_360...8_294_400).contains(width * height)
    }

    private func sizeChoices(model: String) -> String {
        var choices = Self.standardSizes.sorted()
        if acceptsAutoSize { choices.append("auto") }
        var text = choices.joined(separator: ", ")
        if acceptsCustomSizes && (kind == .compatible || model.contains("gpt-image-2")) {
            text += ", or WIDTHxHEIGHT (edges multiples of 16, the long one at most 3840, at most 3:1, 655,360 to 8,294,400 pixels)"
        }
        return text
    }

    /// The width and height of a `WIDTHxHEIGHT` size.
    package static func dimensions(of size: String) -> (width: Int, height: Int)? {
        let parts = size.lowercased().split(separator: "x")
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]), width > 0, height > 0 else {
            return nil
        }
        return (width, height)
    }

    private func invalid(_ message: String) -> ImageInboxError {
        ImageInboxError(code: .invalidParameter, message: message)
    }
}
