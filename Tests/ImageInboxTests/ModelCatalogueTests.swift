import ImageInbox
import Testing

/// The model catalogue as data: the shipped entries, a configuration's `models:` over them, and
/// the rules each model's entry gives a request.
struct ModelCatalogueTests {
    let openai = ProviderProfile.profile(for: .openai)

    @Test func theShippedCatalogueKnowsDecembersModelsAndTheSeeds() throws {
        let shipped = ModelCatalogue.shipped
        for id in ["gpt-image-2", "gpt-image-2.5-flare", "gpt-image-2.5-sunburst", "gpt-image-2.6-flare", "gpt-image-2.6-sunburst"] {
            let model = try #require(shipped.model(id, provider: .openai), "\(id)")
            #expect(model.shutdownDate == nil)
            #expect(model.prices == CatalogueModel.Prices(textInput: 5, imageInput: 8, imageOutput: 30, batchShare: 0.5))
        }
        for id in ["gpt-image-1.5", "gpt-image-1-mini", "chatgpt-image-latest"] {
            let model = try #require(shipped.model(id, provider: .openai))
            #expect(model.shutdownDate == "2026-12-01")
            #expect(model.replacement?.hasPrefix("gpt-image-2.6-") == true)
        }
        #expect(shipped.model("gpt-image-2-2026-04-21", provider: .openai)?.id == "gpt-image-2", "a dated snapshot is its model")
        for id in ["openai/gpt-image-1", "openai/gpt-image-1-5", "openai/gpt-image-2"] {
            #expect(shipped.model(id, provider: .aimlapi) != nil, "\(id)")
        }
        #expect(shipped.models.allSatisfy { $0.source != nil }, "every entry says where its facts come from")
    }

    @Test func today26OptionsAreSentAsAsked() throws {
        let resolved = try openai.resolve(ImageParameters(model: "gpt-image-2.6-sunburst", quality: "xhigh", complexity: "low"))
        #expect(resolved.quality == "xhigh")
        #expect(resolved.complexity == "low")
        #expect(try openai.resolve(ImageParameters(model: "gpt-image-2.5-flare", quality: "max")).quality == "max")
        let gif = try openai.resolve(ImageParameters(model: "gpt-image-2.6-flare", format: .gif, frames: 4, frameDurationMilliseconds: 120))
        #expect(gif.format == .gif && gif.frames == 4 && gif.frameDurationMilliseconds == 120)
    }

    @Test func anOptionAModelDoesNotTakeIsRefusedNamingTheModelAndWhatItTakes() {
        func message(_ parameters: ImageParameters) -> String {
            do {
                _ = try openai.resolve(parameters)
                return ""
            } catch {
                return error.message
            }
        }
        let xhigh = message(ImageParameters(model: "gpt-image-2", quality: "xhigh"))
        #expect(xhigh.contains("quality 'xhigh' is not one of low, medium, high, auto (gpt-image-2)"), "\(xhigh)")
        let complexity = message(ImageParameters(model: "gpt-image-2.5-flare", complexity: "low"))
        #expect(complexity.contains("gpt-image-2.5-flare does not take complexity"), "\(complexity)")
        #expect(complexity.contains("Models that do: gpt-image-2.6-flare, gpt-image-2.6-sunburst"), "\(complexity)")
        let fidelity = message(ImageParameters(model: "gpt-image-2", inputFidelity: "high"))
        #expect(fidelity.contains("gpt-image-2 does not take input_fidelity"), "\(fidelity)")
        let gif = message(ImageParameters(model: "gpt-image-2", format: .gif))
        #expect(gif.contains("format 'gif' is not made by gpt-image-2; it makes png, jpeg, webp"), "\(gif)")
        #expect(message(ImageParameters(model: "gpt-image-2.6-flare", format: .gif, frames: 17)).contains("frames 17"))
        #expect(message(ImageParameters(model: "gpt-image-2.6-flare", frames: 4)).contains("for format: gif"))
        // A model the catalogue does not know is left to the provider.
        #expect(message(ImageParameters(model: "acme-image-9", complexity: "low")) == "")
    }

    @Test func aConfigurationsModelsAddAModelAndOverrideAField() throws {
        let overrides = try ModelOverride.list(
            yaml: """
                - provider: openai
                  id: acme-image-9
                  qualities: [draft, final]
                  prices: {text_input: 1, image_input: 2, image_output: 3}
                - provider: openai
                  id: gpt-image-2
                  qualities: [low, medium, high, xhigh]
                """,
            origin: "a test"
        )
        let catalogue = ModelCatalogue.shipped.applying(overrides)
        var profile = openai
        profile.catalogue = catalogue
        #expect(try profile.resolve(ImageParameters(model: "acme-image-9", quality: "final")).quality == "final")
        #expect(try profile.resolve(ImageParameters(model: "gpt-image-2", quality: "xhigh")).quality == "xhigh")
        #expect(catalogue.model("gpt-image-2", provider: .openai)?.prices?.imageOutput == 30, "fields not given are kept")
        #expect(PriceTable(catalogue: catalogue).prices(of: "acme-image-9")?.imageOutput == 3)
    }

    @Test func aWrongEntryIsRefusedByName() {
        #expect(throws: ImageInboxError.self) { try ModelOverride.list(yaml: "- provider: openai\n  id: m\n  qualitys: [low]\n", origin: "t") }
        #expect(throws: ImageInboxError.self) { try ModelOverride.list(yaml: "- provider: nowhere\n  id: m\n", origin: "t") }
        #expect(throws: ImageInboxError.self) { try ModelOverride.list(yaml: "- provider: openai\n  id: m\n  options: [telepathy]\n", origin: "t") }
        #expect(throws: ImageInboxError.self) { try ModelOverride.list(yaml: "- provider: openai\n  id: m\n  shutdown_date: soon\n", origin: "t") }
    }

    @Test func anUnknownModelsTokensAreNeverFree() throws {
        let usage = APIUsage(inputTokens: 100, textInputTokens: 100, outputTokens: 4160)
        let cost = try #require(PriceTable.standard.estimate(usage, model: "acme-image-9"))
        // The highest prices the catalogue knows: $5 text in, $40 image out (gpt-image-1).
        #expect(abs(cost - (100 * 5 + 4160 * 40) / 1_000_000) < 1e-12)
        #expect(!PriceTable.standard.isPriced("acme-image-9"))
        #expect((PriceTable.standard.estimateUnreported(model: "acme-image-9", size: "1024x1024", quality: "high", count: 1) ?? 0) > 0)
        // gpt-image-2's text input is priced at $5 (OpenAI's text price), not the image-input $8.
        let text = try #require(PriceTable.standard.estimate(APIUsage(inputTokens: 1_000_000, textInputTokens: 1_000_000, outputTokens: 0), model: "gpt-image-2"))
        #expect(abs(text - 5) < 1e-9)
        #expect(PriceTable.standard.isPriced("gpt-image-2.6-sunburst"))
    }

    @Test func theModelsCommandsFormsRoundTrip() throws {
        let yaml = ModelCatalogue.shipped.yaml
        #expect(try ModelCatalogue(yaml: yaml, origin: "printed") == ModelCatalogue.shipped)
        let text = ModelCatalogue.shipped.text(provider: .openai)
        #expect(text.hasPrefix("openai (configured):"))
        #expect(text.contains("gpt-image-1.5 (also gpt-image-1.5-2025-12-16) — shuts down 2026-12-01, replaced by gpt-image-2.6-flare"))
        #expect(ModelCatalogue.shipped.json.contains("\"complexity\""))
    }
}
