package import Configuration
import Yams

/// The configuration file as swift-configuration's YAML snapshot reads it, with the inboxes
/// written as `{name: NAME, path: DIR}` read as `NAME=DIR`.
///
/// swift-configuration reads lists of single values only; an inbox with a name is the one list
/// entry of the file that is a section, so it becomes the text form the flag takes too.
package final class NamedInboxesYAMLSnapshot: FileConfigSnapshot {
    private let yaml: YAMLSnapshot

    package init(data: RawSpan, providerName: String, parsingOptions: YAMLSnapshot.ParsingOptions) throws {
        let bytes = data.withUnsafeBytes { Array($0) }
        let rewritten = Self.inboxesAsText(String(decoding: bytes, as: UTF8.self)).map { Array($0.utf8) } ?? bytes
        yaml = try YAMLSnapshot(data: rewritten.span.bytes, providerName: providerName, parsingOptions: parsingOptions)
    }

    /// The document with each `{name, path}` inbox as `NAME=PATH`; nil when it has none.
    static func inboxesAsText(_ text: String) -> String? {
        guard case .mapping(var root)? = try? Yams.compose(yaml: text), case .sequence(let inboxes)? = root["inboxes"],
            inboxes.contains(where: { if case .mapping = $0 { true } else { false } })
        else { return nil }
        let entries: [Node] = inboxes.map { entry in
            guard case .mapping(let fields) = entry, let path = fields["path"]?.string else { return entry }
            return Node(fields["name"]?.string.map { $0 + "=" + path } ?? path)
        }
        root["inboxes"] = Node(entries)
        return try? Yams.serialize(node: .mapping(root))
    }

    package var providerName: String { yaml.providerName }

    package func value(forKey key: AbsoluteConfigKey, type: ConfigType) throws -> LookupResult {
        try yaml.value(forKey: key, type: type)
    }

    package var description: String { yaml.description }

    package var debugDescription: String { yaml.debugDescription }
}
