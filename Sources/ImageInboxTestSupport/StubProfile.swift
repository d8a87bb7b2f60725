package import ImageInbox

/// What ``ImagesAPIStub`` accepts, after a provider's published API: the AI/ML API's model pages
/// (three sizes, `n` = 1, `response_format` accepted, `meta.usage.usd_spent` returned, errors as
/// `{message, statusCode, …}`) or OpenAI's spec (`auto` sizes and quality, `n` up to 10,
/// `response_format` refused for GPT image models, token `usage`, errors as `{"error":{…}}`).
///
/// Which models exist, and what each takes, come from a ``ModelCatalogue`` (the shipped one
/// unless a test gives its own): an option a model does not take is refused with a 400, as the
/// real API does, so the tests exercise the daemon's own rules against the same facts.
package struct StubProfile: Sendable {
    /// Whether errors and usage follow the AI/ML API (else OpenAI).
    package var isAIMLAPI: Bool
    /// The provider whose models the stub serves.
    package var provider: ProviderKind
    /// The models and what each takes.
    package var catalogue: ModelCatalogue
    /// The generation request's allowed fields (a model's options are checked on top).
    package var generationFields: Set<String>
    /// Allowed sizes, besides a model's flexible ones.
    package var sizes: Set<String>
    /// The most images one generation may ask for.
    package var maximumN: Int

    /// The ids (and aliases) of the models the stub knows.
    package var models: Set<String> {
        Set(catalogue.models(of: provider).flatMap { [$0.id] + $0.aliases })
    }

    /// The catalogue's entry for `model`.
    package func entry(for model: String) -> CatalogueModel? {
        catalogue.model(model, provider: provider)
    }

    /// This profile with `catalogue` as the models it knows.
    package func with(catalogue: ModelCatalogue) -> StubProfile {
        var profile = self
        profile.catalogue = catalogue
        return profile
    }

    /// The AI/ML API.
    package static let aimlapi = StubProfile(
        isAIMLAPI: true,
        provider: .aimlapi,
        catalogue: .shipped,
        generationFields: [
            "model", "prompt", "size", "quality", "output_format", "background", "moderation", "n",
            "output_compression", "response_format",
        ],
        sizes: ["1024x1024", "1024x1536", "1536x1024"],
        maximumN: 1
    )

    /// OpenAI.
    package static let openai = StubProfile(
        isAIMLAPI: false,
        provider: .openai,
        catalogue: .shipped,
        generationFields: [
            "model", "prompt", "size", "quality", "output_format", "background", "moderation", "n",
            "output_compression", "user", "stream", "partial_images", "complexity", "frame_count", "frame_duration_ms",
        ],
        sizes: ["1024x1024", "1024x1536", "1536x1024", "auto"],
        maximumN: 10
    )
}
