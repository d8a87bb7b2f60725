/// What one provider accepts, so that a request it would refuse is never sent.
///
/// What each model takes comes from the ``ModelCatalogue`` (sizes, qualities, formats, options,
/// `n`); the profile holds what is the provider's (its URL, its default model, whether it takes
/// `response_format` and streams) and the rules for a model the catalogue does not know: the
/// AI/ML API's model pages allow three fixed sizes and `n = 1` for generations; OpenAI's spec
/// adds `auto` size and quality and `n` up to 10; a compatible server decides for itself.
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
    /// The models this provider's requests are checked against (the shipped catalogue and the
    /// configuration's `models:`).
    package var catalogue: ModelCatalogue = .shipped

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

    /// The catalogue's entry for `model` on this provider, nil for a model it does not know.
    package func entry(for model: String) -> CatalogueModel? {
        catalogue.model(model, provider: kind)
    }

    /// The most images one request for `model` may ask for (`edit`: an edit request).
    package func maximumImages(model: String, edit: Bool) -> Int {
        if edit { return maximumImagesPerEdit }
        return entry(for: model)?.maximumImagesPerRequest ?? maximumImagesPerRequest
    }

    /// Checks parameters against this provider and the model's catalogue entry, and fills in the
    /// defaults.
    ///
    /// - Throws: ``ImageInboxError`` `invalidParameter` naming the parameter, the value and what
    ///   is accepted instead (for an option the model does not take: the model and what it does
    ///   take).
    package func resolve(_ parameters: ImageParameters) throws(ImageInboxError) -> ResolvedParameters {
        let model = parameters.model ?? defaultModel
        let format = parameters.format ?? .png
        guard !model.isEmpty, !model.contains(where: \.isWhitespace) else {
            throw invalid("model '\(model)' is not a model id. Use one like '\(defaultModel)'.")
        }
        let entry = entry(for: model)
        if let size = parameters.size, !accepts(size: size, model: model, entry: entry) {
            throw invalid("size '\(size)' is not available\(entry.map { " on \($0.id)" } ?? " here"). Use one of \(sizeChoices(model: model, entry: entry)).")
        }
        let qualities = entry?.qualities ?? self.qualities.sorted()
        if let quality = parameters.quality, !qualities.contains(quality) {
            throw invalid("quality '\(quality)' is not one of \(qualities.joined(separator: ", "))\(entry.map { " (\($0.id))" } ?? "").")
        }
        let formats = entry?.formats ?? (kind == .aimlapi ? [.png, .jpeg, .webp] : ImageFormat.allCases)
        guard formats.contains(format) else {
            throw invalid("format '\(format.rawValue)' is not made by \(model); it makes \(formats.map(\.rawValue).joined(separator: ", ")).")
        }
        if let background = parameters.background {
            guard ["transparent", "opaque", "auto"].contains(background) else {
                throw invalid("background '\(background)' is not one of transparent, opaque, auto.")
            }
            if background == "transparent" {
                guard format.supportsTransparency else {
                    throw invalid("A transparent background needs format png or webp, not \(format.rawValue).")
                }
                try require(.transparentBackground, "background: transparent", of: entry)
            }
        }
        if let moderation = parameters.moderation {
            guard ["low", "auto"].contains(moderation) else { throw invalid("moderation '\(moderation)' is not one of low, auto.") }
            try require(.moderation, "moderation", of: entry)
        }
        if let complexity = parameters.complexity {
            guard ["low", "medium", "high"].contains(complexity) else { throw invalid("complexity '\(complexity)' is not one of low, medium, high.") }
            try require(.complexity, "complexity", of: entry)
        }
        if let fidelity = parameters.inputFidelity {
            guard ["high", "low"].contains(fidelity) else { throw invalid("input_fidelity '\(fidelity)' is not one of high, low.") }
            try require(.inputFidelity, "input_fidelity", of: entry)
        }
        if let compression = parameters.compression {
            guard (0...100).contains(compression) else {
                throw invalid("compression \(compression) is not between 0 and 100.")
            }
            guard format == .jpeg || format == .webp else {
                throw invalid("compression applies to jpeg and webp only; remove it or set format to jpeg or webp.")
            }
        }
        try checkAnimation(parameters, format: format)
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
            partialImages: try partialImages(parameters, entry: entry),
            complexity: parameters.complexity,
            inputFidelity: parameters.inputFidelity,
            frames: parameters.frames,
            frameDurationMilliseconds: parameters.frameDurationMilliseconds
        )
    }

    /// Refuses `what` when the catalogue knows `entry`'s model and it does not take `option`; a
    /// model the catalogue does not know is left to the provider.
    private func require(_ option: CatalogueModel.Option, _ what: String, of entry: CatalogueModel?) throws(ImageInboxError) {
        guard let entry, !entry.options.contains(option) else { return }
        let takes = entry.options.map(\.rawValue).sorted()
        let models = catalogue.models(of: kind).filter { $0.options.contains(option) && $0.shutdownDate == nil }.map(\.id)
        throw invalid(
            "\(entry.id) does not take \(what)\(takes.isEmpty ? "" : "; it takes \(takes.joined(separator: ", "))")."
                + (models.isEmpty ? "" : " Models that do: \(models.joined(separator: ", ")).")
        )
    }

    /// `frames` and `frame_duration_ms`: for an animated GIF only, 2–16 frames of 20–2000 ms.
    private func checkAnimation(_ parameters: ImageParameters, format: ImageFormat) throws(ImageInboxError) {
        guard parameters.frames != nil || parameters.frameDurationMilliseconds != nil else { return }
        guard format == .gif else { throw invalid("frames and frame_duration_ms are for format: gif.") }
        if let frames = parameters.frames, !(2...16).contains(frames) {
            throw invalid("frames \(frames) is not between 2 and 16.")
        }
        if let duration = parameters.frameDurationMilliseconds, !(20...2000).contains(duration) || duration % 10 != 0 {
            throw invalid("frame_duration_ms \(duration) is not a multiple of 10 from 20 to 2000.")
        }
    }

    /// The partial images to stream for `preview: true`: `preview_images` (0–3, 2 by default);
    /// nil without a preview or where the provider does not stream.
    private func partialImages(_ parameters: ImageParameters, entry: CatalogueModel?) throws(ImageInboxError) -> Int? {
        let count = parameters.previewImages ?? 2
        guard (0...3).contains(count) else { throw invalid("preview_images \(count) is not between 0 and 3.") }
        let streams = streamsPartialImages && entry.map { $0.options.contains(.partialImages) } != false
        return parameters.preview == true && streams ? count : nil
    }

    private func accepts(size: String, model: String, entry: CatalogueModel?) -> Bool {
        if Self.standardSizes.contains(size) { return true }
        switch entry?.sizes {
        case .standard?: return false
        case .standardOrAuto?: return size == "auto"
        case .any?: return size == "auto" || Self.dimensions(of: size) != nil
        case .flexible?: return size == "auto" || Self.dimensions(of: size).map { Self.isFlexible($0.width, $0.height) } == true
        case nil: break
        }
        if size == "auto" { return acceptsAutoSize }
        guard acceptsCustomSizes, let (width, height) = Self.dimensions(of: size) else { return false }
        if kind == .compatible { return true }
        // OpenAI: arbitrary sizes for gpt-image-2 only: both edges multiples of 16, the long
        // edge at most 3840, at most 3:1, and between 655,360 and 8,294,400 pixels in all.
        guard model.contains("gpt-image-2") else { return false }
        return Self.isFlexible(width, height)
    }

    /// OpenAI's rule for arbitrary sizes (gpt-image-2 and later): both edges multiples of 16, the
    /// long edge at most 3840, at most 3:1, and 655,360 to 8,294,400 pixels in all.
    private static func isFlexible(_ width: Int, _ height: Int) -> Bool {
        let long = max(width, height)
        let short = min(width, height)
        return width % 16 == 0 && height % 16 == 0 && long <= 3 * short && long <= 3840
            && (655_360...8_294_400).contains(width * height)
    }

    private func sizeChoices(model: String, entry: CatalogueModel?) -> String {
        var choices = Self.standardSizes.sorted()
        if entry.map({ $0.sizes != .standard }) ?? acceptsAutoSize { choices.append("auto") }
        var text = choices.joined(separator: ", ")
        let custom = entry.map { $0.sizes == .flexible || $0.sizes == .any } ?? (acceptsCustomSizes && (kind == .compatible || model.contains("gpt-image-2")))
        if custom {
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
