/// The images APIs image-inbox knows how to talk to.
package enum ProviderKind: String, Sendable, Codable, CaseIterable {
    /// The AI/ML API (`https://api.aimlapi.com/v1`), model ids like `openai/gpt-image-2`.
    case aimlapi
    /// OpenAI (`https://api.openai.com/v1`), model ids like `gpt-image-1.5`.
    case openai
    /// Any other OpenAI-compatible images API, at a base URL of your choice.
    case compatible
}
