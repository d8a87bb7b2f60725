/// What an image costs when the provider does not say in dollars: its credits at the provider's
/// credit rate (the AI/ML API's gpt-image-1.5 reports only `credits_used`), else its tokens at
/// the model's prices in the ``ModelCatalogue`` (OpenAI reports tokens), so that budgets can be
/// kept. Estimates; a reported `usd_spent` is used as is.
///
/// A model the catalogue has no prices for is never free: its tokens are priced at the highest
/// price of each kind the catalogue knows (``isPriced(_:)`` tells the two apart, for the ledger,
/// `status` and the image's provenance to say it is an estimate).
package struct PriceTable: Sendable, Equatable {
    /// The models and their prices.
    package var catalogue: ModelCatalogue
    /// The provider whose highest prices an unknown model's tokens take (all providers' if nil).
    package var provider: ProviderKind?

    /// The shipped catalogue's prices.
    package static let standard = PriceTable(catalogue: .shipped)

    package init(catalogue: ModelCatalogue, provider: ProviderKind? = nil) {
        self.catalogue = catalogue
        self.provider = provider
    }

    /// The prices of `model`: by its id or alias on any provider, then without a gateway's
    /// prefix (`openai/gpt-image-2`), then as a dated snapshot (`gpt-image-2-2026-04-21`).
    package func prices(of model: String) -> CatalogueModel.Prices? {
        let bare = model.split(separator: "/").last.map(String.init) ?? model
        let priced = catalogue.models.filter { $0.prices != nil }
        let entry = priced.first { $0.isNamed(model) } ?? priced.first { $0.isNamed(bare) } ?? priced.first { bare.hasPrefix($0.id + "-2") }
        return entry?.prices
    }

    /// Whether the catalogue has prices for `model` (else its costs are priced at the highest).
    package func isPriced(_ model: String) -> Bool {
        prices(of: model) != nil
    }

    /// The prices a cost of `model` is estimated at: its own, else the highest.
    private func pricesOrHighest(_ model: String) -> CatalogueModel.Prices {
        prices(of: model) ?? catalogue.highestPrices(for: provider)
    }

    /// The estimated cost of `usage` on `model`: its credits at `creditUSD` dollars each when
    /// both are known, else its tokens at the model's prices (the highest for a model without
    /// any); nil when it reports neither.
    package func estimate(_ usage: APIUsage, model: String, creditUSD: Double? = nil) -> Double? {
        if let credits = usage.creditsUsed, let creditUSD { return credits * creditUSD }
        // All zeros (the AI/ML API's example shows them) says nothing about the cost.
        let svgTokens = (usage.svgInputTokens ?? 0) + (usage.svgOutputTokens ?? 0)
        guard (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0) + svgTokens > 0 else { return nil }
        let price = pricesOrHighest(model)
        let input = Double(usage.inputTokens ?? 0)
        let text = Double(min(usage.textInputTokens ?? 0, usage.inputTokens ?? 0))
        let inputCost = text * price.textInput + (input - text) * price.imageInput
        // An SVG's authoring tokens (svg_usage): text in at the text price; out at the image
        // output price, as no text-output price is published for image models (a budget errs early).
        let svgCost = Double(usage.svgInputTokens ?? 0) * price.textInput + Double(usage.svgOutputTokens ?? 0) * price.imageOutput
        return (inputCost + Double(usage.outputTokens ?? 0) * price.imageOutput + svgCost) / 1_000_000
    }

    /// Output tokens of one 1024x1024 image by quality, from OpenAI's published table for the
    /// GPT image models; `auto`, `xhigh`, `max` and an unknown quality count as high or more, so
    /// a budget errs early.
    static let squareImageTokens: [String: Double] = ["low": 272, "medium": 1056, "high": 4160, "xhigh": 8320, "max": 16640]

    /// The estimated cost of `count` images of `size` and `quality` on `model`: for an answer
    /// that was billed but reported nothing (it could not be read), and for a request's
    /// reservation against a budget before it is sent. Never nil: a model without prices is
    /// priced at the highest.
    package func estimateUnreported(model: String, size: String?, quality: String?, count: Int) -> Double? {
        let price = pricesOrHighest(model)
        let edges = (size ?? "").split(separator: "x").compactMap { Double($0) }
        let pixels = edges.count == 2 ? edges[0] * edges[1] : 1536 * 1024
        let tokens = (Self.squareImageTokens[quality ?? "high"] ?? 4160) * pixels / (1024 * 1024)
        return tokens * Double(count) * price.imageOutput / 1_000_000
    }
}
