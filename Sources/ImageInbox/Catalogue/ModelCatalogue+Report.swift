import Foundation

extension ModelCatalogue {
    /// The catalogue as `image-inbox models` prints it: per provider, one block per model with
    /// what it takes, its prices and its retirement; `provider` (the configured one) first.
    package func text(provider: ProviderKind) -> String {
        let order = [provider] + ProviderKind.allCases.filter { $0 != provider }
        var lines: [String] = []
        for kind in order {
            let entries = models(of: kind)
            guard !entries.isEmpty else { continue }
            lines.append("\(kind.rawValue)\(kind == provider ? " (configured)" : ""):")
            for model in entries {
                var head = "  \(model.id)"
                if !model.aliases.isEmpty { head += " (also \(model.aliases.joined(separator: ", ")))" }
                if let date = model.shutdownDate { head += " — shuts down \(date)" + (model.replacement.map { ", replaced by \($0)" } ?? "") }
                lines.append(head)
                lines.append("    endpoints: \(model.endpoints.map(\.rawValue).sorted().joined(separator: ", "))   sizes: \(model.sizes.rawValue)   n: up to \(model.maximumImagesPerRequest)")
                lines.append("    quality: \(model.qualities.joined(separator: ", "))   formats: \(model.formats.map(\.rawValue).joined(separator: ", "))")
                if !model.options.isEmpty { lines.append("    options: \(model.options.map(\.rawValue).sorted().joined(separator: ", "))") }
                if let prices = model.prices {
                    lines.append(
                        "    $ per 1M tokens: text in \(Self.dollars(prices.textInput)), image in \(Self.dollars(prices.imageInput)), image out \(Self.dollars(prices.imageOutput))"
                            + (prices.batchShare < 1 ? "; batch \(Int((prices.batchShare * 100).rounded()))%" : "")
                    )
                } else {
                    lines.append("    prices: unknown (costs are estimated at the highest prices)")
                }
            }
        }
        lines.append("")
        lines.append("A model not listed is sent as named on openai and compatible; its tokens are priced at the highest prices above.")
        lines.append("Add or change one under models: in the configuration (image-inbox models --yaml shows the form).")
        return lines.joined(separator: "\n")
    }

    /// The catalogue as JSON: a list of entries with the keys of the YAML form.
    package var json: String {
        let entries = models.map(Self.fields)
        guard let data = try? JSONSerialization.data(withJSONObject: entries, options: [.prettyPrinted, .sortedKeys]) else { return "[]" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The catalogue in the form a configuration's `models:` takes.
    package var yaml: String {
        models.map { model in
            var lines = ["- provider: \(model.provider.rawValue)", "  id: \(model.id)"]
            if !model.aliases.isEmpty { lines.append("  aliases: [\(model.aliases.joined(separator: ", "))]") }
            lines.append("  endpoints: [\(model.endpoints.map(\.rawValue).sorted().joined(separator: ", "))]")
            lines.append("  sizes: \(model.sizes.rawValue)")
            lines.append("  qualities: [\(model.qualities.joined(separator: ", "))]")
            lines.append("  formats: [\(model.formats.map(\.rawValue).joined(separator: ", "))]")
            lines.append("  options: [\(model.options.map(\.rawValue).sorted().joined(separator: ", "))]")
            lines.append("  max_images: \(model.maximumImagesPerRequest)")
            if let prices = model.prices {
                lines.append(
                    "  prices: {text_input: \(Self.number(prices.textInput)), image_input: \(Self.number(prices.imageInput)), "
                        + "image_output: \(Self.number(prices.imageOutput)), batch_share: \(Self.number(prices.batchShare))}"
                )
            }
            if let replacement = model.replacement { lines.append("  replacement: \(replacement)") }
            if let date = model.shutdownDate { lines.append("  shutdown_date: \"\(date)\"") }
            // Single-quoted YAML: the text as it is, a quote written twice.
            if let source = model.source { lines.append("  source: '\(source.replacingOccurrences(of: "'", with: "''"))'") }
            return lines.joined(separator: "\n")
        }.joined(separator: "\n") + "\n"
    }

    private static func fields(_ model: CatalogueModel) -> [String: Any] {
        var fields: [String: Any] = [
            "provider": model.provider.rawValue, "id": model.id, "aliases": model.aliases,
            "endpoints": model.endpoints.map(\.rawValue).sorted(), "sizes": model.sizes.rawValue, "qualities": model.qualities,
            "formats": model.formats.map(\.rawValue), "options": model.options.map(\.rawValue).sorted(), "max_images": model.maximumImagesPerRequest,
        ]
        if let prices = model.prices {
            fields["prices"] = [
                "text_input": prices.textInput, "image_input": prices.imageInput, "image_output": prices.imageOutput, "batch_share": prices.batchShare,
            ]
        }
        if let replacement = model.replacement { fields["replacement"] = replacement }
        if let date = model.shutdownDate { fields["shutdown_date"] = date }
        if let source = model.source { fields["source"] = source }
        return fields
    }

    private static func dollars(_ value: Double) -> String { "$" + number(value) }

    private static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
