/// What the daemon knows of one image model on one provider: what it takes, what it costs, and
/// when it goes away. One entry of the ``ModelCatalogue``.
package struct CatalogueModel: Sendable, Equatable {
    /// The endpoints a model serves.
    package enum Endpoint: String, Sendable, CaseIterable {
        case generations
        case edits
    }

    /// The sizes a model accepts.
    package enum Sizes: String, Sendable, CaseIterable {
        /// `1024x1024`, `1024x1536`, `1536x1024`.
        case standard
        /// The standard sizes and `auto`.
        case standardOrAuto = "standard_or_auto"
        /// The standard sizes, `auto`, and `WIDTHxHEIGHT` within OpenAI's rules for gpt-image-2
        /// and later (edges multiples of 16, the long one at most 3840, at most 3:1,
        /// 655,360–8,294,400 pixels).
        case flexible
        /// Whatever the provider takes (an OpenAI-compatible server decides).
        case any
    }

    /// The options a model takes beyond model, size, quality, format and count.
    package enum Option: String, Sendable, CaseIterable {
        /// `complexity: low|medium|high`.
        case complexity
        /// `input_fidelity: high|low` on edits.
        case inputFidelity = "input_fidelity"
        /// `background: transparent`.
        case transparentBackground = "transparent_background"
        /// `moderation: low|auto`.
        case moderation
        /// Streaming with `partial_images` (`preview: true`).
        case partialImages = "partial_images"
    }

    /// Dollars per million tokens.
    package struct Prices: Sendable, Equatable {
        package var textInput: Double
        package var imageInput: Double
        package var imageOutput: Double
        /// What the Batch API charges, as a share of these prices (0.5: half).
        package var batchShare: Double

        package init(textInput: Double, imageInput: Double, imageOutput: Double, batchShare: Double = 0.5) {
            self.textInput = textInput
            self.imageInput = imageInput
            self.imageOutput = imageOutput
            self.batchShare = batchShare
        }
    }

    /// The provider the entry is for.
    package var provider: ProviderKind
    /// The id requests name (`gpt-image-2`, `openai/gpt-image-2`).
    package var id: String
    /// Other ids of the same model (dated snapshots, a gateway's spelling).
    package var aliases: [String]
    /// The endpoints it serves.
    package var endpoints: Set<Endpoint>
    /// The sizes it accepts.
    package var sizes: Sizes
    /// The `quality` values it accepts.
    package var qualities: [String]
    /// The output formats it makes.
    package var formats: [ImageFormat]
    /// The options it takes.
    package var options: Set<Option>
    /// The most images one request may ask for (`n`); more are split into several requests.
    package var maximumImagesPerRequest: Int
    /// Its prices, where known.
    package var prices: Prices?
    /// The model its provider names as its replacement, where one is announced.
    package var replacement: String?
    /// When it shuts down (`YYYY-MM-DD`), where announced.
    package var shutdownDate: String?
    /// Where these facts come from.
    package var source: String?

    package init(
        provider: ProviderKind,
        id: String,
        aliases: [String] = [],
        endpoints: Set<Endpoint> = Set(Endpoint.allCases),
        sizes: Sizes = .standard,
        qualities: [String] = ["low", "medium", "high"],
        formats: [ImageFormat] = [.png, .jpeg, .webp],
        options: Set<Option> = [],
        maximumImagesPerRequest: Int = 1,
        prices: Prices? = nil,
        replacement: String? = nil,
        shutdownDate: String? = nil,
        source: String? = nil
    ) {
        self.provider = provider
        self.id = id
        self.aliases = aliases
        self.endpoints = endpoints
        self.sizes = sizes
        self.qualities = qualities
        self.formats = formats
        self.options = options
        self.maximumImagesPerRequest = maximumImagesPerRequest
        self.prices = prices
        self.replacement = replacement
        self.shutdownDate = shutdownDate
        self.source = source
    }

    /// Whether `name` is this model's id or one of its aliases.
    package func isNamed(_ name: String) -> Bool {
        id == name || aliases.contains(name)
    }
}
