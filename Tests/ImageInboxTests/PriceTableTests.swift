import ImageInbox
import Testing

struct PriceTableTests {
    @Test func creditsAreCostedAtTheCreditRate() {
        // Seed 002: 107341 credits = $0.0536705.
        let usage = APIUsage(creditsUsed: 107_341, inputTokens: 0, outputTokens: 0)
        let cost = PriceTable.standard.estimate(usage, model: "openai/gpt-image-1-5", creditUSD: 0.000_000_5)
        #expect(abs((cost ?? 0) - 0.053_670_5) < 1e-12)
    }

    @Test func tokensArePricedWithTheTextInputApartWhereTheModelSplitsIt() throws {
        // gpt-image-1: text input $5, image input $10, output $40 per million tokens.
        let usage = APIUsage(inputTokens: 574, textInputTokens: 57, outputTokens: 1056)
        let cost = try #require(PriceTable.standard.estimate(usage, model: "gpt-image-1"))
        #expect(abs(cost - (57 * 5 + 517 * 10 + 1056 * 40) / 1_000_000) < 1e-12)
        // The AI/ML API's id of gpt-image-1.5 is priced as OpenAI's.
        #expect(PriceTable.standard.estimate(usage, model: "openai/gpt-image-1-5") == PriceTable.standard.estimate(usage, model: "gpt-image-1.5"))
    }

    @Test func zeroTokensAndNoCreditsSayNothing() {
        #expect(PriceTable.standard.estimate(APIUsage(inputTokens: 0, outputTokens: 0), model: "gpt-image-1") == nil)
        #expect(PriceTable.standard.estimate(APIUsage(creditsUsed: 10), model: "unknown-model") == nil)
    }
}
