import Foundation
import ImageInbox

/// A generation request the stub accepted.
struct ValidGeneration {
    var width: Int
    var height: Int
    var format: ImageFormat
    var transparent: Bool
    var n: Int
    var responseFormat: String
    var model = ""
    /// Whether the answer streams (`stream: true`), and the partial images it sends first.
    var stream = false
    var partialImages = 0
    var quality = "auto"
    var background = "auto"
    /// An animated GIF's frames and each one's duration (`output_format: gif`).
    var frames = 9
    var frameDurationMilliseconds = 200
}

/// Why the stub refused a request, as the provider would say it.
struct StubProblem: Error {
    var status: Int
    var message: String
    var code: String?
    var param: String?
}

extension StubHandler {
    /// Checks a generation body field by field, as the provider's schema does.
    func validate(_ body: [String: Any]) -> Result<ValidGeneration, StubProblem> {
        func bad(_ message: String, _ param: String, code: String = "invalid_value") -> Result<ValidGeneration, StubProblem> {
            .failure(StubProblem(status: 400, message: message, code: code, param: param))
        }
        for key in body.keys.sorted() where !profile.generationFields.contains(key) {
            return bad("Unknown parameter: '\(key)'.", key, code: "unknown_parameter")
        }
        guard let model = body["model"] as? String else { return bad("model is required and must be a string.", "model") }
        guard let entry = profile.entry(for: model) else {
            return .failure(StubProblem(status: 404, message: "The model '\(model)' does not exist or you do not have access to it.", code: "model_not_found", param: "model"))
        }
        if let problem = unsupportedOption(in: body, for: entry) { return .failure(problem) }
        guard let prompt = body["prompt"] as? String else { return bad("prompt is required and must be a string.", "prompt") }
        guard !prompt.isEmpty, prompt.count <= 32_000 else { return bad("prompt must be 1 to 32000 characters.", "prompt") }
        if prompt.localizedCaseInsensitiveContains("forbidden-by-moderation") {
            // OpenAI's wording, with the categories at the end of the message.
            return .failure(
                StubProblem(
                    status: 400,
                    message: "Your request was rejected by the safety system. If you believe this is an error, contact us at help.openai.com and include the request ID. safety_violations=[violence, self-harm].",
                    code: "moderation_blocked",
                    param: nil
                )
            )
        }

        let size = body["size"] as? String ?? "1024x1024"
        guard body["size"] == nil || body["size"] is String, sizeAllowed(size, entry: entry) else {
            return bad("Invalid size '\(size)'. Supported: \(profile.sizes.sorted().joined(separator: ", ")).", "size")
        }
        if let quality = body["quality"] {
            guard let text = quality as? String, entry.qualities.contains(text) else {
                return bad("Invalid value: '\(quality)'. Supported values for \(model) are: \(entry.qualities.map { "'\($0)'" }.joined(separator: ", ")).", "quality")
            }
        }
        let formatName = body["output_format"] as? String ?? "png"
        guard body["output_format"] == nil || body["output_format"] is String, ImageFormat.allCases.map(\.rawValue).contains(formatName), let format = ImageFormat(name: formatName) else {
            return bad("Invalid output_format.", "output_format")
        }
        let animation: (frames: Int, durationMilliseconds: Int)
        switch validateAnimation(body, format: format) {
        case .failure(let problem): return .failure(problem)
        case .success(let checked): animation = checked
        }
        let background = body["background"] as? String ?? "auto"
        guard body["background"] == nil || body["background"] is String, ["transparent", "opaque", "auto"].contains(background) else {
            return bad("Invalid background.", "background")
        }
        if background == "transparent" && format == .jpeg {
            return bad("Transparent background requires output_format png or webp.", "background")
        }
        if let moderation = body["moderation"] {
            guard let text = moderation as? String, ["low", "auto"].contains(text) else { return bad("Invalid moderation.", "moderation") }
        }
        if let compression = body["output_compression"] {
            guard let value = compression as? Int, (0...100).contains(value) else {
                return bad("output_compression must be an integer from 0 to 100.", "output_compression")
            }
        }
        var n = 1
        if let value = body["n"] {
            guard let number = value as? Int, (1...profile.maximumN).contains(number) else {
                return bad("n must be an integer from 1 to \(profile.maximumN).", "n")
            }
            n = number
        }
        var responseFormat = profile.isAIMLAPI ? "url" : "b64_json"
        if let value = body["response_format"] {
            guard profile.isAIMLAPI else {
                return bad("Unknown parameter: 'response_format'. GPT image models always return b64_json.", "response_format", code: "unknown_parameter")
            }
            guard let text = value as? String, ["url", "b64_json"].contains(text) else { return bad("Invalid response_format.", "response_format") }
            responseFormat = text
        }
        var stream = false
        if let value = body["stream"] {
            guard let flag = value as? Bool else { return bad("stream must be a boolean.", "stream") }
            stream = flag
        }
        var partialImages = 0
        if let value = body["partial_images"] {
            guard let number = value as? Int, (0...3).contains(number) else {
                return bad("partial_images must be an integer from 0 to 3.", "partial_images")
            }
            guard stream else { return bad("partial_images is only supported with stream: true.", "partial_images") }
            partialImages = number
        }
        let (width, height) = size == "auto" ? (1024, 1024) : ProviderProfile.dimensions(of: size) ?? (1024, 1024)
        var valid = ValidGeneration(width: width, height: height, format: format, transparent: background == "transparent", n: n, responseFormat: responseFormat, model: model)
        (valid.stream, valid.partialImages) = (stream, partialImages)
        (valid.quality, valid.background) = (body["quality"] as? String ?? "auto", background)
        valid.frames = animation.frames
        valid.frameDurationMilliseconds = animation.durationMilliseconds
        return .success(valid)
    }

    private func sizeAllowed(_ size: String, entry: CatalogueModel) -> Bool {
        if ProviderProfile.standardSizes.contains(size) { return true }
        switch entry.sizes {
        case .standard: return false
        case .standardOrAuto: return size == "auto"
        case .any: return size == "auto" || ProviderProfile.dimensions(of: size) != nil
        case .flexible:
            guard size != "auto" else { return true }
            guard let (width, height) = ProviderProfile.dimensions(of: size) else { return false }
            return width % 16 == 0 && height % 16 == 0 && max(width, height) <= 3 * min(width, height) && max(width, height) <= 3840 && min(width, height) <= 2160
        }
    }

    /// An option `entry`'s model does not take, refused as OpenAI refuses it (a 400 naming the
    /// parameter); values out of range too.
    func unsupportedOption(in body: [String: Any], for entry: CatalogueModel) -> StubProblem? {
        func unsupported(_ parameter: String) -> StubProblem {
            StubProblem(status: 400, message: "Unsupported parameter: '\(parameter)' is not supported with this model.", code: "unsupported_parameter", param: parameter)
        }
        let options: [(String, CatalogueModel.Option, [String])] = [
            ("complexity", .complexity, ["low", "medium", "high"]),
            ("input_fidelity", .inputFidelity, ["high", "low"]),
            ("moderation", .moderation, ["low", "auto"]),
        ]
        for (parameter, option, values) in options {
            guard let value = body[parameter] else { continue }
            guard entry.options.contains(option) else { return unsupported(parameter) }
            guard let text = value as? String, values.contains(text) else {
                return StubProblem(status: 400, message: "Invalid value for '\(parameter)'.", code: "invalid_value", param: parameter)
            }
        }
        if body["background"] as? String == "transparent", !entry.options.contains(.transparentBackground) {
            return StubProblem(status: 400, message: "Transparent background is not supported for this model.", code: "invalid_value", param: "background")
        }
        if let format = body["output_format"] as? String, let named = ImageFormat(name: format), !entry.formats.contains(named) {
            return StubProblem(status: 400, message: "Invalid value: '\(format)'. This model does not support this output_format.", code: "invalid_value", param: "output_format")
        }
        return nil
    }
}
