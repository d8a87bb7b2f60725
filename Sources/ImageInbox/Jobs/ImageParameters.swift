import Foundation

/// The parameters a person can set for an image: in front matter, in a folder's
/// `image-inbox.yaml`, or in the daemon's configuration defaults.
///
/// Every field is optional so that layers can be merged: a file's front matter over its
/// folder's defaults over the configuration's.
package struct ImageParameters: Sendable, Equatable, Codable {
    /// The model id, as the provider spells it (`openai/gpt-image-2`, `gpt-image-1.5`).
    package var model: String?
    /// `WIDTHxHEIGHT` or `auto`.
    package var size: String?
    /// `low`, `medium`, `high` or `auto`.
    package var quality: String?
    /// The result's file format.
    package var format: ImageFormat?
    /// `transparent`, `opaque` or `auto`.
    package var background: String?
    /// `low` or `auto`.
    package var moderation: String?
    /// JPEG or WebP compression, 0–100.
    package var compression: Int?
    /// How many images to make from one source.
    package var count: Int?
    /// How results are named (`"{date}-{name}"`); nil: after the source.
    package var outputName: String?
    /// Whether partial images are written as `NAME.preview.png` while the provider streams.
    package var preview: Bool?
    /// How many partial images a preview asks for (0–3; 2 unless set).
    package var previewImages: Int?
    /// How much planning the model puts into the image: `low`, `medium`, `high` (the models that
    /// take it; see ``ModelCatalogue``).
    package var complexity: String?
    /// How closely an edit keeps the input images' details: `high` or `low` (edits, the models
    /// that take it).
    package var inputFidelity: String?
    /// The frames of an animated GIF (2–16; `format: gif` only).
    package var frames: Int?
    /// How long each frame of an animated GIF shows, in milliseconds (`format: gif` only).
    package var frameDurationMilliseconds: Int?

    /// The keys accepted in front matter and folder defaults, in the order the docs list them.
    package static let keys = [
        "model", "size", "quality", "format", "background", "moderation", "compression", "count", "output_name", "preview", "preview_images",
        "complexity", "input_fidelity", "frames", "frame_duration_ms",
    ]

    package init(
        model: String? = nil,
        size: String? = nil,
        quality: String? = nil,
        format: ImageFormat? = nil,
        background: String? = nil,
        moderation: String? = nil,
        compression: Int? = nil,
        count: Int? = nil,
        outputName: String? = nil,
        preview: Bool? = nil,
        previewImages: Int? = nil,
        complexity: String? = nil,
        inputFidelity: String? = nil,
        frames: Int? = nil,
        frameDurationMilliseconds: Int? = nil
    ) {
        self.model = model
        self.size = size
        self.quality = quality
        self.format = format
        self.background = background
        self.moderation = moderation
        self.compression = compression
        self.count = count
        self.outputName = outputName
        self.preview = preview
        self.previewImages = previewImages
        self.complexity = complexity
        self.inputFidelity = inputFidelity
        self.frames = frames
        self.frameDurationMilliseconds = frameDurationMilliseconds
    }

    /// These parameters, with every unset field taken from `base`.
    package func layered(over base: ImageParameters) -> ImageParameters {
        ImageParameters(
            model: model ?? base.model,
            size: size ?? base.size,
            quality: quality ?? base.quality,
            format: format ?? base.format,
            background: background ?? base.background,
            moderation: moderation ?? base.moderation,
            compression: compression ?? base.compression,
            count: count ?? base.count,
            outputName: outputName ?? base.outputName,
            preview: preview ?? base.preview,
            previewImages: previewImages ?? base.previewImages,
            complexity: complexity ?? base.complexity,
            inputFidelity: inputFidelity ?? base.inputFidelity,
            frames: frames ?? base.frames,
            frameDurationMilliseconds: frameDurationMilliseconds ?? base.frameDurationMilliseconds
        )
    }
}

extension ImageParameters {
    /// Reads parameters from a parsed YAML mapping.
    ///
    /// - Parameters:
    ///   - mapping: The mapping (front matter, a folder's `image-inbox.yaml`, configuration defaults).
    ///   - origin: How to name the mapping in error messages ("front matter", "image-inbox.yaml").
    ///   - extraKeys: Keys that the caller reads itself and that are therefore not unknown here.
    ///   - keyLines: The line of each key in its file, for the message that names an unknown one.
    /// - Throws: ``ImageInboxError`` `invalidParameter` for an unknown key or a value of the wrong type.
    package init(mapping: [String: Any], origin: String, extraKeys: Set<String> = [], keyLines: [String: Int] = [:]) throws(ImageInboxError) {
        self.init()
        for key in mapping.keys.sorted() where !Self.keys.contains(key) && !extraKeys.contains(key) {
            let known = Self.keys + extraKeys.sorted()
            let suggestion = KeySuggestion.nearest(to: key, among: known).map { "Did you mean '\($0)'? " } ?? ""
            throw ImageInboxError(
                code: .invalidParameter,
                message: "Unknown key '\(key)'\(keyLines[key].map { " (line \($0))" } ?? "") in the \(origin). \(suggestion)Use one of: \(known.joined(separator: ", ")).",
            )
        }
        model = try Self.string(mapping, "model", origin)
        size = try Self.string(mapping, "size", origin)?.lowercased()
        quality = try Self.string(mapping, "quality", origin)?.lowercased()
        background = try Self.string(mapping, "background", origin)?.lowercased()
        moderation = try Self.string(mapping, "moderation", origin)?.lowercased()
        compression = try Self.integer(mapping, "compression", origin)
        count = try Self.integer(mapping, "count", origin)
        outputName = try Self.string(mapping, "output_name", origin)
        previewImages = try Self.integer(mapping, "preview_images", origin)
        complexity = try Self.string(mapping, "complexity", origin)?.lowercased()
        inputFidelity = try Self.string(mapping, "input_fidelity", origin)?.lowercased()
        frames = try Self.integer(mapping, "frames", origin)
        frameDurationMilliseconds = try Self.integer(mapping, "frame_duration_ms", origin)
        switch mapping["preview"] {
        case nil: preview = nil
        case let flag as Bool: preview = flag
        // A CSV column's cell is text.
        case let text as String where ["true", "false"].contains(text.lowercased()): preview = text.lowercased() == "true"
        default: throw ImageInboxError(code: .invalidParameter, message: "preview in the \(origin) must be true or false.")
        }
        if let name = try Self.string(mapping, "format", origin) {
            guard let format = ImageFormat(name: name) else {
                throw ImageInboxError(
                    code: .invalidParameter,
                    message: "format '\(name)' in the \(origin) is not one of png, jpeg, webp, gif, svg."
                )
            }
            self.format = format
        }
    }

    private static func string(_ mapping: [String: Any], _ key: String, _ origin: String) throws(ImageInboxError) -> String? {
        switch mapping[key] {
        case nil: return nil
        case let value as String: return value.trimmingCharacters(in: .whitespaces)
        case let value as Int: return String(value)
        default:
            throw ImageInboxError(code: .invalidParameter, message: "\(key) in the \(origin) must be a single value.")
        }
    }

    private static func integer(_ mapping: [String: Any], _ key: String, _ origin: String) throws(ImageInboxError) -> Int? {
        switch mapping[key] {
        case nil: return nil
        case let value as Int: return value
        case let value as String where Int(value) != nil: return Int(value)
        default:
            throw ImageInboxError(code: .invalidParameter, message: "\(key) in the \(origin) must be a whole number.")
        }
    }
}
