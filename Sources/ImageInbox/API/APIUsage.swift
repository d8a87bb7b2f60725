/// Usage and cost as the provider reported it: `meta.usage` on the AI/ML API, `usage` tokens on OpenAI.
package struct APIUsage: Sendable, Equatable, Codable {
    /// Dollars spent, when the provider says (the AI/ML API does).
    package var usdSpent: Double?
    /// The provider's credits used.
    package var creditsUsed: Double?
    /// Input tokens (text and image).
    package var inputTokens: Int?
    /// The text part of ``inputTokens``, where the provider splits them.
    package var textInputTokens: Int?
    /// Output (image) tokens.
    package var outputTokens: Int?
    /// Input tokens of the model that wrote an SVG answer (`svg_usage.input_tokens`), billed at
    /// that model's text prices on top of the image's own usage.
    package var svgInputTokens: Int?
    /// Output tokens of the model that wrote an SVG answer, its reasoning included.
    package var svgOutputTokens: Int?

    package init(
        usdSpent: Double? = nil,
        creditsUsed: Double? = nil,
        inputTokens: Int? = nil,
        textInputTokens: Int? = nil,
        outputTokens: Int? = nil,
        svgInputTokens: Int? = nil,
        svgOutputTokens: Int? = nil
    ) {
        self.usdSpent = usdSpent
        self.creditsUsed = creditsUsed
        self.inputTokens = inputTokens
        self.textInputTokens = textInputTokens
        self.outputTokens = outputTokens
        self.svgInputTokens = svgInputTokens
        self.svgOutputTokens = svgOutputTokens
    }

    /// The sum of two usages (for a count split into several requests).
    package static func + (lhs: APIUsage, rhs: APIUsage) -> APIUsage {
        func add<T: AdditiveArithmetic>(_ a: T?, _ b: T?) -> T? {
            a == nil && b == nil ? nil : (a ?? .zero) + (b ?? .zero)
        }
        return APIUsage(
            usdSpent: add(lhs.usdSpent, rhs.usdSpent),
            creditsUsed: add(lhs.creditsUsed, rhs.creditsUsed),
            inputTokens: add(lhs.inputTokens, rhs.inputTokens),
            textInputTokens: add(lhs.textInputTokens, rhs.textInputTokens),
            outputTokens: add(lhs.outputTokens, rhs.outputTokens),
            svgInputTokens: add(lhs.svgInputTokens, rhs.svgInputTokens),
            svgOutputTokens: add(lhs.svgOutputTokens, rhs.svgOutputTokens)
        )
    }
}
