/// What ``ImagesAPIStub`` accepts, after a provider's published API: the AI/ML API's model pages
/// (three sizes, `n` = 1, `response_format` accepted, `meta.usage.usd_spent` returned, errors as
/// `{message, statusCode, …}`) or OpenAI's spec (`auto` sizes and quality, `n` up to 10,
/// `response_format` refused for GPT image models, token `usage`, errors as `{"error":{…}}`).
package struct StubProfile: Sendable {
    /// Whether errors and usage follow the AI/ML API (else OpenAI).
    package var isAIMLAPI: Bool
    /// The models the stub knows.
    package var models: Set<String>
    /// The generation request's allowed fields.
    package var generationFields: Set<String>
    /// Allowed sizes.
    package var sizes: Set<String>
    /// Allowed qualities.
    package var qualities: Set<String>
    /// The most images one generation may ask for.
    package var maximumN: Int

    /// The AI/ML API.
    package static let aimlapi = StubProfile(
        isAIMLAPI: true,
        models: ["openai/gpt-image-2", "openai/gpt-image-1-5", "openai/gpt-image-1"],
        generationFields: [
            "model", "prompt", "size", "quality", "output_format", "background", "moderation", "n",
            "output_compression", "response_format",
        ],
        sizes: ["1024x1024", "1024x1536", "1536x1024"],
        qualities: ["low", "medium", "high"],
        maximumN: 1
    )

    /// OpenAI.
    package static let openai = StubProfile(
        isAIMLAPI: false,
        models: ["gpt-image-1.5", "gpt-image-2", "gpt-image-1-mini"],
        generationFields: [
            "model", "prompt", "size", "quality", "output_format", "background", "moderation", "n",
            "output_compression", "user", "stream", "partial_images",
        ],
        sizes: ["1024x1024", "1024x1536", "1536x1024", "auto"],
        qualities: ["low", "medium", "high", "auto"],
        maximumN: 10
    )
}
