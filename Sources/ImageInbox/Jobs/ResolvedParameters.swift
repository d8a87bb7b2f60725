/// Parameters checked against a provider, with its defaults filled in: what a request is made of.
package struct ResolvedParameters: Sendable, Equatable, Codable {
    /// The model id sent.
    package var model: String
    /// The size sent, or nil for the provider's default.
    package var size: String?
    /// The quality sent, or nil for the provider's default.
    package var quality: String?
    /// The result's format (png unless chosen).
    package var format: ImageFormat
    /// Whether the format was chosen explicitly (and so is sent as `output_format`).
    package var formatWasChosen: Bool
    /// The background sent, if any.
    package var background: String?
    /// The moderation level sent, if any.
    package var moderation: String?
    /// The output compression sent, if any.
    package var compression: Int?
    /// How many images to make.
    package var count: Int
    /// How results are named; nil: after the source.
    package var outputName: OutputName?
    /// The folder preset the source chose, for the results' names and metadata.
    package var preset: String?
    /// Partial images to stream for previews (`stream: true`, `partial_images`); nil: no stream.
    package var partialImages: Int?
    /// `complexity`, where the model takes it.
    package var complexity: String?
    /// `input_fidelity` of an edit, where the model takes it.
    package var inputFidelity: String?
    /// The frames of an animated GIF.
    package var frames: Int?
    /// Each GIF frame's duration, in milliseconds.
    package var frameDurationMilliseconds: Int?

    package init(
        model: String,
        size: String? = nil,
        quality: String? = nil,
        format: ImageFormat = .png,
        formatWasChosen: Bool = false,
        background: String? = nil,
        moderation: String? = nil,
        compression: Int? = nil,
        count: Int = 1,
        outputName: OutputName? = nil,
        preset: String? = nil,
        partialImages: Int? = nil,
        complexity: String? = nil,
        inputFidelity: String? = nil,
        frames: Int? = nil,
        frameDurationMilliseconds: Int? = nil
    ) {
        self.model = model
        self.size = size
        self.quality = quality
        self.format = format
        self.formatWasChosen = formatWasChosen
        self.background = background
        self.moderation = moderation
        self.compression = compression
        self.count = count
        self.outputName = outputName
        self.preset = preset
        self.partialImages = partialImages
        self.complexity = complexity
        self.inputFidelity = inputFidelity
        self.frames = frames
        self.frameDurationMilliseconds = frameDurationMilliseconds
    }
}
