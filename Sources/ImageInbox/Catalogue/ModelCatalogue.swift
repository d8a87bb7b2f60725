import Foundation

/// The image models the daemon knows, per provider: what each takes, what it costs, and when it
/// goes away. Data, not code: the shipped entries (``shipped``) and a configuration's `models:`
/// section, which adds a model or overrides any field of one, so next month's model needs no
/// new release.
package struct ModelCatalogue: Sendable, Equatable {
    /// The entries, in the order they were listed.
    package var models: [CatalogueModel]

    package init(models: [CatalogueModel]) {
        self.models = models
    }

    /// The catalogue the daemon ships (``shippedYAML``).
    package static let shipped: ModelCatalogue = {
        do throws(ImageInboxError) {
            return try ModelCatalogue(yaml: shippedYAML, origin: "the shipped model catalogue")
        } catch {
            // A broken shipped catalogue is caught by its unit test, never by a user.
            fatalError("The shipped model catalogue does not parse: \(error.message)")
        }
    }()

    /// The entry for `name` (an id or an alias) on `provider`, if the catalogue knows it.
    package func model(_ name: String, provider: ProviderKind) -> CatalogueModel? {
        models.first { $0.provider == provider && $0.isNamed(name) }
    }

    /// The models of one provider.
    package func models(of provider: ProviderKind) -> [CatalogueModel] {
        models.filter { $0.provider == provider }
    }

    /// The highest price of each kind of token among `provider`'s models (all providers' when it
    /// has none, or for nil): what an unknown model's tokens are priced at, so its cost is never $0.
    package func highestPrices(for provider: ProviderKind?) -> CatalogueModel.Prices {
        let priced = provider.map { models(of: $0).compactMap(\.prices) } ?? []
        let all = priced.isEmpty ? models.compactMap(\.prices) : priced
        return CatalogueModel.Prices(
            textInput: all.map(\.textInput).max() ?? 0,
            imageInput: all.map(\.imageInput).max() ?? 0,
            imageOutput: all.map(\.imageOutput).max() ?? 0,
            batchShare: all.map(\.batchShare).max() ?? 1
        )
    }

    /// This catalogue with `overrides` applied: an entry naming a model the catalogue has (by
    /// provider and id or alias) changes the fields it gives; any other is added.
    package func applying(_ overrides: [ModelOverride]) -> ModelCatalogue {
        var catalogue = self
        for override in overrides {
            if let index = catalogue.models.firstIndex(where: { $0.provider == override.provider && $0.isNamed(override.id) }) {
                override.apply(to: &catalogue.models[index])
            } else {
                var model = CatalogueModel(provider: override.provider, id: override.id, sizes: override.provider == .aimlapi ? .standard : .any)
                override.apply(to: &model)
                catalogue.models.append(model)
            }
        }
        return catalogue
    }

    /// A catalogue from YAML: a list of entries in the form of ``ModelOverride``, each with its
    /// `provider` and `id`.
    ///
    /// - Throws: ``ImageInboxError`` `invalidConfiguration` naming the entry and the field.
    package init(yaml: String, origin: String) throws(ImageInboxError) {
        self = ModelCatalogue(models: []).applying(try ModelOverride.list(yaml: yaml, origin: origin))
    }
}
