/// Dollars per million tokens for models whose provider reports tokens but no price (OpenAI),
/// so that the daily budget can be kept. Estimates; the AI/ML API's `usd_spent` is used as is.
package struct PriceTable: Sendable, Equatable {
    /// Input and output prices in dollars per million tokens.
    package struct Price: Sendable, Equatable {
        package var input: Double
        package var output: Double

        package init(input: Double, output: Double) {
            self.input = input
            self.output = output
        }
    }

    /// Prices by model id (without a provider prefix such as `openai/`).
    package var prices: [String: Price]

    /// OpenAI's published image-token prices for the GPT image models.
    package static let standard = PriceTable(prices: [
        "gpt-image-1": Price(input: 10, output: 40),
        "gpt-image-1-mini": Price(input: 2.5, output: 8),
        "gpt-image-1.5": Price(input: 8, output: 32),
        "gpt-image-2": Price(input: 8, output: 30),
    ])

    package init(prices: [String: Price]) {
        self.prices = prices
    }

    /// The estimated cost of `usage` on `model`, or nil when the model or the tokens are unknown.
    package func estimate(_ usage: APIUsage, model: String) -> Double? {
        let name = model.split(separator: "/").last.map(String.init) ?? model
        let price = prices[name] ?? prices.first(where: { name.hasPrefix($0.key + "-2") })?.value
        guard let price, usage.inputTokens != nil || usage.outputTokens != nil else { return nil }
        return (Double(usage.inputTokens ?? 0) * price.input + Double(usage.outputTokens ?? 0) * price.output) / 1_000_000
    }
}
