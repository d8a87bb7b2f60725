extension ModelCatalogue {
    /// The catalogue the daemon ships, as YAML: the same form a configuration's `models:`
    /// section takes, so `image-inbox models --yaml` prints it and an administrator can copy an
    /// entry and change it. Prices are dollars per million tokens.
    ///
    /// Every fact names where it comes from. OpenAI's API reference and model pages as of
    /// December 2026 (developers.openai.com: api/docs/deprecations, api/docs/models/…,
    /// api/docs/guides/image-generation, api/reference/resources/images and models/list);
    /// openai-python's generated types (src/openai/types/image_edit_params.py, model.py,
    /// batch_create_params.py, at e43b4224, 2026-08-21); the AI/ML API's model pages (the
    /// seeds the product was specified from).
    static let shippedYAML = """
        # OpenAI. Models and shutdowns: api/docs/deprecations ("Dec 1, 2026 | gpt-image-1-mini,
        # gpt-image-1.5, chatgpt-image-latest | gpt-image-2.6-sunburst or gpt-image-2.6-flare");
        # api/reference/resources/images/methods/generate ("gpt-image-1 was shut down on
        # October 23, 2026"). Options per model: api/docs/guides/image-generation.
        - provider: openai
          id: gpt-image-2
          aliases: [gpt-image-2-2026-04-21]
          sizes: flexible
          qualities: [low, medium, high, auto]
          formats: [png, jpeg, webp]
          options: [transparent_background, moderation, partial_images]
          max_images: 10
          # Third-party listings and OpenAI's 2.6 model page agree: $5 text in, $8 image in,
          # $30 image out; the Batch API FAQ: "50% cost discount".
          prices: {text_input: 5, image_input: 8, image_output: 30, batch_share: 0.5}
          source: api/reference images (ImageModel, sizes, n 1-10, partial_images 0-3); input_fidelity is omitted for gpt-image-2 and later (OpenAI spec's InputFidelity, as generated in openai-client-base 0.16.0)
        - provider: openai
          id: gpt-image-2.5-flare
          aliases: [gpt-image-2.5-flare-2026-09-08]
          sizes: flexible
          qualities: [low, medium, high, xhigh, max, auto]
          formats: [png, jpeg, webp]
          options: [transparent_background, moderation, partial_images]
          max_images: 10
          prices: {text_input: 5, image_input: 8, image_output: 30, batch_share: 0.5}
          source: api/docs/guides/image-prompting (quality low, medium, high, xhigh or max); api/reference images (model list)
        - provider: openai
          id: gpt-image-2.5-sunburst
          aliases: [gpt-image-2.5-sunburst-2026-09-08]
          sizes: flexible
          qualities: [low, medium, high, xhigh, max, auto]
          formats: [png, jpeg, webp]
          options: [transparent_background, moderation, partial_images]
          max_images: 10
          prices: {text_input: 5, image_input: 8, image_output: 30, batch_share: 0.5}
          source: api/docs/guides/image-prompting (quality low, medium, high, xhigh or max); api/reference images (model list)
        - provider: openai
          id: gpt-image-2.6-flare
          sizes: flexible
          qualities: [low, medium, high, xhigh, max, auto]
          formats: [png, jpeg, webp, gif, svg]
          options: [complexity, transparent_background, moderation, partial_images]
          max_images: 10
          prices: {text_input: 5, image_input: 8, image_output: 30, batch_share: 0.5}
          source: api/docs/guides/image-generation (complexity low, medium, high, high when omitted, no extra charge; animated GIF of 2-16 frames; SVG with svg_usage); api/docs/models/gpt-image-2.6-sunburst (prices)
        - provider: openai
          id: gpt-image-2.6-sunburst
          sizes: flexible
          qualities: [low, medium, high, xhigh, max, auto]
          formats: [png, jpeg, webp, gif, svg]
          options: [complexity, transparent_background, moderation, partial_images]
          max_images: 10
          prices: {text_input: 5, image_input: 8, image_output: 30, batch_share: 0.5}
          source: api/docs/models/gpt-image-2.6-sunburst ("Text input $5.00, image input $8.00, output $30.00"); api/docs/guides/image-generation (complexity, GIF, SVG)
        - provider: openai
          id: gpt-image-1.5
          aliases: [gpt-image-1.5-2025-12-16]
          sizes: standard_or_auto
          qualities: [low, medium, high, auto]
          formats: [png, jpeg, webp]
          options: [input_fidelity, transparent_background, moderation, partial_images]
          max_images: 10
          prices: {text_input: 5, image_input: 8, image_output: 32, batch_share: 0.5}
          replacement: gpt-image-2.6-flare
          shutdown_date: "2026-12-01"
          source: api/docs/deprecations; image_edit_params.py (input_fidelity for gpt-image-1 and gpt-image-1.5)
        - provider: openai
          id: gpt-image-1-mini
          sizes: standard_or_auto
          qualities: [low, medium, high, auto]
          formats: [png, jpeg, webp]
          options: [transparent_background, moderation, partial_images]
          max_images: 10
          prices: {text_input: 2, image_input: 2.5, image_output: 8, batch_share: 0.5}
          replacement: gpt-image-2.6-flare
          shutdown_date: "2026-12-01"
          source: api/docs/deprecations; image_edit_params.py (input_fidelity unsupported for gpt-image-1-mini)
        - provider: openai
          id: chatgpt-image-latest
          sizes: standard_or_auto
          qualities: [low, medium, high, auto]
          formats: [png, jpeg, webp]
          options: [transparent_background, moderation, partial_images]
          max_images: 10
          prices: {text_input: 5, image_input: 8, image_output: 32, batch_share: 0.5}
          replacement: gpt-image-2.6-sunburst
          shutdown_date: "2026-12-01"
          source: api/docs/deprecations
        - provider: openai
          id: gpt-image-1
          sizes: standard_or_auto
          qualities: [low, medium, high, auto]
          formats: [png, jpeg, webp]
          options: [input_fidelity, transparent_background, moderation, partial_images]
          max_images: 10
          prices: {text_input: 5, image_input: 10, image_output: 40, batch_share: 0.5}
          replacement: gpt-image-2
          shutdown_date: "2026-10-23"
          source: api/docs/models/gpt-image-1 (prices; shut down 2026-10-23)
        # The AI/ML API: its model pages (three sizes, quality low, medium or high, n = 1,
        # response_format url or b64_json); it reports the cost in dollars (meta.usage.usd_spent),
        # so the prices are OpenAI's, for answers that report tokens only.
        - provider: aimlapi
          id: openai/gpt-image-2
          qualities: [low, medium, high]
          prices: {text_input: 5, image_input: 8, image_output: 30, batch_share: 1}
          source: AI/ML API model page openai/gpt-image-2
        - provider: aimlapi
          id: openai/gpt-image-1-5
          qualities: [low, medium, high]
          prices: {text_input: 5, image_input: 8, image_output: 32, batch_share: 1}
          source: AI/ML API model page openai/gpt-image-1-5
        - provider: aimlapi
          id: openai/gpt-image-1
          qualities: [low, medium, high]
          prices: {text_input: 5, image_input: 10, image_output: 40, batch_share: 1}
          source: AI/ML API model page openai/gpt-image-1
        """
}
