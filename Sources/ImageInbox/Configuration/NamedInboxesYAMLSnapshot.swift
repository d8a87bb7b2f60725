package import Configuration
import Yams

/// The configuration file as swift-configuration's YAML snapshot reads it, with the inboxes
/// written as `{name: NAME, path: DIR}` read as `NAME=DIR`, and the `models:` list as one text
/// value holding its YAML.
///
/// swift-configuration reads lists of single values only; an inbox with a name is a list entry
/// that is a section, so it becomes the text form the flag takes too; the models are read by
/// ``ModelOverride/list(yaml:origin:)`` from that text.
package final class NamedInboxesYAMLSnapshot: FileConfigSnapshot {
    private let yaml: YAMLSnapshot

    package init(data: RawSpan, providerName: String, parsingOptions: YAMLSnapshot.ParsingOptions) throws {
        let bytes = data.withUnsafeBytes { Array($0) }
        let rewritten = Self.rewritten(String(decoding: bytes, as: UTF8.self)).map { Array($0.utf8) } ?? bytes
        yaml = try YAMLSnapshot(data: rewritten.span.bytes, providerName: providerName, parsingOptions: parsingOptions)
    }

    /// The document with each `{name, path}` inbox as `NAME=PATH` and the models as text; nil
    /// when it has neither.
    static func rewritten(_ text: String) -> String? {
        guard case .mapping(var root)? = try? Yams.compose(yaml: text) else { return nil }
        var changed = false
        if case .sequence(let inboxes)? = root["inboxes"], inboxes.contains(where: { if case .mapping = $0 { true } else { false } }) {
            let entries: [Node] = inboxes.map { entry in
                guard case .mapping(let fields) = entry, let path = fields["path"]?.string else { return entry }
                return Node(fields["name"]?.string.map { $0 + "=" + path } ?? path)
            }
            root["inboxes"] = Node(entries)
            changed = true
        }
        if let models = root["models"], case .sequence = models, let yaml = try? Yams.serialize(node: models) {
            root["models"] = Node(yaml, Tag(.str), .literal)
            changed = true
        }
        return changed ? try? Yams.serialize(node: .mapping(root)) : nil
    }

    package var providerName: String { yaml.providerName }

    package func value(forKey key: AbsoluteConfigKey, type: ConfigType) throws -> LookupResult {
        try yaml.value(forKey: key, type: type)
    }

    package var description: String { yaml.description }

    package var debugDescription: String { yaml.debugDescription }
}
