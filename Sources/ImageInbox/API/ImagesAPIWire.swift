/// The JSON body of `POST /images/generations`.
struct GenerationBody: Encodable {
    var model: String
    var prompt: String
    var n: Int?
    var size: String?
    var quality: String?
    var output_format: String?
    var background: String?
    var moderation: String?
    var output_compression: Int?
    var response_format: String?
    var stream: Bool?
    var partial_images: Int?
    var complexity: String?
    /// An animated GIF's frames (`output_format: gif` only).
    var frame_count: Int?
    /// Each GIF frame's duration in milliseconds (`output_format: gif` only).
    var frame_duration_ms: Int?
}

/// The JSON of a successful images response, in both providers' shapes.
package struct ImagesResponseBody: Decodable {
    /// One image of the answer: its base64, or a URL to download it from.
    package struct Item: Decodable {
        var b64_json: String?
        package var url: String?
        /// The base64 where it lies in the answer's bytes, when it was read in place.
        var base64InPlace: ArraySlice<UInt8>?

        private enum CodingKeys: String, CodingKey {
            case b64_json, url
        }

        /// The image's base64, however it was read.
        package var base64: ArraySlice<UInt8>? {
            base64InPlace ?? b64_json.map { ArraySlice($0.utf8) }
        }
    }

    /// OpenAI's spelling (`input_tokens`, `output_tokens`, with the text/image split) or the
    /// chat-style one the AI/ML API's examples show (`prompt_tokens`, `completion_tokens`).
    struct TokenUsage: Decodable {
        struct InputDetails: Decodable {
            var text_tokens: Int?
            var image_tokens: Int?
        }

        var input_tokens: Int?
        var output_tokens: Int?
        var prompt_tokens: Int?
        var completion_tokens: Int?
        var input_tokens_details: InputDetails?
    }

    /// What the model that writes an SVG answer used (`svg_usage`), beside the image's `usage`.
    struct SVGUsage: Decodable {
        var model: String?
        var input_tokens: Int?
        var output_tokens: Int?
        var reasoning_tokens: Int?
        var total_tokens: Int?

        /// The output tokens with the reasoning: OpenAI counts reasoning within `output_tokens`
        /// elsewhere, so it is added only where `total_tokens` shows it was counted apart.
        var outputWithReasoning: Int? {
            guard let output = output_tokens else { return reasoning_tokens }
            guard let reasoning = reasoning_tokens, reasoning > 0, let total = total_tokens else { return output }
            return total >= (input_tokens ?? 0) + output + reasoning ? output + reasoning : output
        }
    }

    struct Meta: Decodable {
        struct Usage: Decodable {
            var credits_used: Double?
            var usd_spent: Double?
        }

        var usage: Usage?
    }

    package var data: [Item]?
    var usage: TokenUsage?
    var svg_usage: SVGUsage?
    var meta: Meta?

    package var apiUsage: APIUsage {
        APIUsage(
            usdSpent: meta?.usage?.usd_spent,
            creditsUsed: meta?.usage?.credits_used,
            inputTokens: usage?.input_tokens ?? usage?.prompt_tokens,
            textInputTokens: usage?.input_tokens_details?.text_tokens,
            outputTokens: usage?.output_tokens ?? usage?.completion_tokens,
            svgInputTokens: svg_usage?.input_tokens,
            svgOutputTokens: svg_usage?.outputWithReasoning
        )
    }
}

/// An error body: OpenAI's `{"error":{message,type,param,code}}` or the AI/ML API's
/// `{message, statusCode, path, requestId, timestamp}` (whose `message` may be a list).
struct APIErrorBody: Decodable {
    struct Detail: Decodable {
        var message: String?
        var type: String?
        var param: String?
        var code: String?
    }

    var error: Detail?
    var message: String?
    var requestId: String?

    private enum CodingKeys: String, CodingKey {
        case error, message, requestId
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        error = try? container.decode(Detail.self, forKey: .error)
        if error == nil, let text = try? container.decode(String.self, forKey: .error) {
            error = Detail(message: text)
        }
        if let text = try? container.decode(String.self, forKey: .message) {
            message = text
        } else if let list = try? container.decode([String].self, forKey: .message) {
            message = list.joined(separator: "; ")
        }
        requestId = try? container.decode(String.self, forKey: .requestId)
    }

    init(error: Detail? = nil, message: String? = nil) {
        self.error = error
        self.message = message
    }
}
