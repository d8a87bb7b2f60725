import Foundation

/// One entry of a `models:` list (a configuration's, or the shipped catalogue's): a model's
/// provider and id, and the fields it sets. A field not given is left as the catalogue has it.
package struct ModelOverride: Sendable, Equatable {
    package var provider: ProviderKind
    package var id: String
    package var aliases: [String]?
    package var endpoints: Set<CatalogueModel.Endpoint>?
    package var sizes: CatalogueModel.Sizes?
    package var qualities: [String]?
    package var formats: [ImageFormat]?
    package var options: Set<CatalogueModel.Option>?
    package var maximumImagesPerRequest: Int?
    package var prices: CatalogueModel.Prices?
    package var replacement: String?
    package var shutdownDate: String?
    package var source: String?

    /// The keys an entry takes.
    package static let keys = [
        "provider", "id", "aliases", "endpoints", "sizes", "qualities", "formats", "options", "max_images", "prices", "replacement",
        "shutdown_date", "source",
    ]

    /// Sets the fields this entry gives on `model`.
    func apply(to model: inout CatalogueModel) {
        if let aliases { model.aliases = aliases }
        if let endpoints { model.endpoints = endpoints }
        if let sizes { model.sizes = sizes }
        if let qualities { model.qualities = qualities }
        if let formats { model.formats = formats }
        if let options { model.options = options }
        if let maximumImagesPerRequest { model.maximumImagesPerRequest = maximumImagesPerRequest }
        if let prices { model.prices = prices }
        if let replacement { model.replacement = replacement }
        if let shutdownDate { model.shutdownDate = shutdownDate }
        if let source { model.source = source }
    }

    /// The entries of a `models:` list written as YAML.
    ///
    /// - Throws: ``ImageInboxError`` `invalidConfiguration` naming the entry and what is wrong.
    package static func list(yaml: String, origin: String) throws(ImageInboxError) -> [ModelOverride] {
        let value: Any?
        do {
            value = try GuardedYAML.load(yaml, maximumBytes: 1024 * 1024)
        } catch {
            throw ImageInboxError(code: .invalidConfiguration, message: "The models in \(origin)\(error.place()) \(error.problem).", cause: error)
        }
        guard let value else { return [] }
        guard let entries = value as? [Any] else {
            throw ImageInboxError(code: .invalidConfiguration, message: "models in \(origin) must be a list of entries, each with provider and id.")
        }
        return try entries.enumerated().map { index, entry throws(ImageInboxError) in
            guard let mapping = entry as? [String: Any] else {
                throw ImageInboxError(code: .invalidConfiguration, message: "Entry \(index + 1) of the models in \(origin) is not a section with provider and id.")
            }
            return try ModelOverride(mapping: mapping, where: "entry \(index + 1) of the models in \(origin)")
        }
    }

    /// An entry from its YAML mapping.
    package init(mapping: [String: Any], where place: String) throws(ImageInboxError) {
        func invalid(_ message: String) -> ImageInboxError {
            ImageInboxError(code: .invalidConfiguration, message: "\(place): \(message)")
        }
        for key in mapping.keys.sorted() where !Self.keys.contains(key) {
            let suggestion = KeySuggestion.nearest(to: key, among: Self.keys).map { " Did you mean '\($0)'?" } ?? ""
            throw invalid("unknown key '\(key)'.\(suggestion) The keys: \(Self.keys.joined(separator: ", ")).")
        }
        func text(_ key: String) throws(ImageInboxError) -> String? {
            switch mapping[key] {
            case nil: return nil
            case let value as String: return value
            case let value as Int: return String(value)
            case let value as Double: return String(value)
            default: throw invalid("\(key) must be one value.")
            }
        }
        func texts(_ key: String) throws(ImageInboxError) -> [String]? {
            switch mapping[key] {
            case nil: return nil
            case let value as String: return [value]
            case let values as [Any]:
                return try values.map { value throws(ImageInboxError) in
                    guard let text = value as? String ?? (value as? Int).map(String.init) else { throw invalid("\(key) must be a list of names.") }
                    return text
                }
            default: throw invalid("\(key) must be a list of names.")
            }
        }
        func choices<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) throws(ImageInboxError) -> [T]? where T.RawValue == String {
            try texts(key).map { names throws(ImageInboxError) in
                try names.map { name throws(ImageInboxError) in
                    guard let value = T(rawValue: name) else {
                        throw invalid("\(key) '\(name)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", ")).")
                    }
                    return value
                }
            }
        }
        guard let providerName = try text("provider"), let provider = ProviderKind(rawValue: providerName) else {
            throw invalid("provider must be one of \(ProviderKind.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        guard let id = try text("id"), !id.isEmpty, !id.contains(where: \.isWhitespace) else { throw invalid("id must be a model id.") }
        self.provider = provider
        self.id = id
        aliases = try texts("aliases")
        endpoints = try choices("endpoints", CatalogueModel.Endpoint.self).map(Set.init)
        sizes = try choices("sizes", CatalogueModel.Sizes.self)?.first
        qualities = try texts("qualities")?.map { $0.lowercased() }
        formats = try texts("formats").map { names throws(ImageInboxError) in
            try names.map { name throws(ImageInboxError) in
                guard let format = ImageFormat(name: name) else { throw invalid("formats '\(name)' is not an image format.") }
                return format
            }
        }
        options = try choices("options", CatalogueModel.Option.self).map(Set.init)
        switch mapping["max_images"] {
        case nil: maximumImagesPerRequest = nil
        case let value as Int where (1...10).contains(value): maximumImagesPerRequest = value
        default: throw invalid("max_images must be a whole number from 1 to 10.")
        }
        prices = try Self.prices(mapping["prices"], invalid: invalid)
        replacement = try text("replacement")
        shutdownDate = try text("shutdown_date")
        if let date = shutdownDate, Self.day(date) == nil {
            throw invalid("shutdown_date '\(date)' is not a date such as 2027-03-01.")
        }
        source = try text("source")
    }

    /// The UTC midnight starting `text`, a date written `YYYY-MM-DD`; nil for anything else.
    static func day(_ text: String) -> Date? {
        let parts = text.split(separator: "-")
        guard text.utf8.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day)
        guard components.isValidDate(in: calendar) else { return nil }
        return calendar.date(from: components)
    }

    private static func prices(_ value: Any?, invalid: (String) -> ImageInboxError) throws(ImageInboxError) -> CatalogueModel.Prices? {
        guard let value else { return nil }
        guard let mapping = value as? [String: Any] else { throw invalid("prices must be a section: {text_input: 5, image_input: 8, image_output: 30}.") }
        func price(_ key: String) throws(ImageInboxError) -> Double? {
            switch mapping[key] {
            case nil: return nil
            case let value as Int where value >= 0: return Double(value)
            case let value as Double where value >= 0: return value
            default: throw invalid("prices.\(key) must be dollars per million tokens, such as 8 or 2.5.")
            }
        }
        for key in mapping.keys.sorted() where !["text_input", "image_input", "image_output", "batch_share"].contains(key) {
            throw invalid("prices has no '\(key)'; it takes text_input, image_input, image_output (dollars per million tokens) and batch_share.")
        }
        guard let imageOutput = try price("image_output") else { throw invalid("prices needs image_output (dollars per million output tokens).") }
        let imageInput = try price("image_input") ?? imageOutput
        return CatalogueModel.Prices(
            textInput: try price("text_input") ?? imageInput,
            imageInput: imageInput,
            imageOutput: imageOutput,
            batchShare: try price("batch_share") ?? 1
        )
    }
}
