/// What an image costs when the provider does not say in dollars: its credits at the provider's
/// credit rate (the AI/ML API's gpt-image-1.5 reports only `credits_used`), else its tokens at
/// the model's prices (OpenAI reports tokens), so that the daily budget can be kept. Estimates;
/// a reported `usd_spent` is used as is.
package struct PriceTable: Sendable, Equatable {
    /// Prices in dollars per million tokens.
    package struct Price: Sendable, Equatable {
        /// Input tokens (image input, and text where ``textInput`` is not known).
        package var input: Double
        package var output: Double
        /// Text input tokens, where the model prices them apart from image input.
        package var textInput: Double?

        package init(input: Double, output: Double, textInput: Double? = nil) {
            self.input = input
            self.output = output
            self.textInput = textInput
        }
    }

    /// Prices by model id (without a provider prefix such as `openai/`).
    package var prices: [String: Price]

    /// OpenAI's published image-token prices for the GPT image models, under OpenAI's ids and
    /// the AI/ML API's (`gpt-image-1-5`).
    package static let standard = PriceTable(prices: [
        "gpt-image-1": Price(input: 10, output: 40, textInput: 5),
        "gpt-image-1-mini": Price(input: 2.5, output: 8, textInput: 2),
        "gpt-image-1.5": Price(input: 8, output: 32, textInput: 5),
        "gpt-image-1-5": Price(input: 8, output: 32, textInput: 5),
        "gpt-image-2": Price(input: 8, output: 30),
    ])

    package init(prices: [String: Price]) {
        self.prices = prices
    }

    /// The estimated cost of `usage` on `model`: its credits at `creditUSD` dollars each when
    /// both are known, else its tokens at the model's prices; nil when neither is known.
    package func estimate(_ usage: APIUsage, model: String, creditUSD: Double? = nil) -> Double? {
        if let credits = usage.creditsUsed, let creditUSD { return credits * creditUSD }
        let name = model.split(separator: "/").last.map(String.init) ?? model
        let price = prices[name] ?? prices.first(where: { name.hasPrefix($0.key + "-2") })?.value
        // All zeros (the AI/ML API's example shows them) says nothing about the cost.
        guard let price, (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0) > 0 else { return nil }
        let input = Double(usage.inputTokens ?? 0)
        let text = Double(min(usage.textInputTokens ?? 0, usage.inputTokens ?? 0))
        let inputCost = price.textInput.map { text * $0 + (input - text) * price.input } ?? input * price.input
        return (inputCost + Double(usage.outputTokens ?? 0) * price.output) / 1_000_000
    }

    /// Output tokens of one 1024x1024 image by quality, from OpenAI's published table for the
    /// GPT image models; `auto` and an unknown quality count as high, so a budget errs early.
    static let squareImageTokens: [String: Double] = ["low": 272, "medium": 1056, "high": 4160]

    /// The estimated cost of `count` images of `size` and `quality` on `model`, for an answer
    /// that was billed but reported nothing (it could not be read); nil for a model without a price.
    package func estimateUnreported(model: String, size: String?, quality: String?, count: Int) -> Double? {
        let name = model.split(separator: "/").last.map(String.init) ?? model
        guard let price = prices[name] ?? prices.first(where: { name.hasPrefix($0.key + "-2") })?.value else { return nil }
        let edges = (size ?? "").split(separator: "x").compactMap { Double($0) }
        let pixels = edges.count == 2 ? edges[0] * edges[1] : 1536 * 1024
        let tokens = (Self.squareImageTokens[quality ?? "high"] ?? 4160) * pixels / (1024 * 1024)
        return tokens * Double(count) * price.output / 1_000_000
    }
}
