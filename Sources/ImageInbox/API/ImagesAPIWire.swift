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
}

/// The JSON of a successful images response, in both providers' shapes.
struct ImagesResponseBody: Decodable {
    struct Item: Decodable {
        var b64_json: String?
        var url: String?
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

    struct Meta: Decodable {
        struct Usage: Decodable {
            var credits_used: Double?
            var usd_spent: Double?
        }

        var usage: Usage?
    }

    var data: [Item]?
    var usage: TokenUsage?
    var meta: Meta?

    var apiUsage: APIUsage {
        APIUsage(
            usdSpent: meta?.usage?.usd_spent,
            creditsUsed: meta?.usage?.credits_used,
            inputTokens: usage?.input_tokens ?? usage?.prompt_tokens,
            textInputTokens: usage?.input_tokens_details?.text_tokens,
            outputTokens: usage?.output_tokens ?? usage?.completion_tokens
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
