package import Yams

/// Every key the configuration file knows, and the kind of value each takes: a file is checked
/// against it before anything reads it, so that `concurency: 8` or a section that does not exist
/// is an error naming the key, its line and the key that was probably meant, never a setting
/// silently left at its default.
///
/// swift-configuration lists no keys and keeps no line numbers, so the file is read once more
/// here, composed by Yams as ``GuardedYAML`` composes it.
package enum ConfigurationSchema {
    /// The kind of value a key takes.
    indirect enum Value: Sendable {
        case text
        case number
        case wholeNumber
        case flag
        /// A list of texts, or one text.
        case texts
        /// A list of inboxes: folders, `NAME=DIR`, or `{name: NAME, path: DIR}` sections.
        case inboxes
        /// A list of model entries (``ModelOverride``), each a section with `provider` and `id`.
        case models
        case section([String: Value])
    }

    /// A key the schema does not know, or a value of the wrong kind.
    package struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The key as written, with its sections (`watch.settle_secs`).
        package var key: String
        /// The line of the key in the file (from 1).
        package var line: Int?
        /// What is wrong, and the fix.
        package var message: String

        package var description: String {
            "\(key)\(line.map { " (line \($0))" } ?? ""): \(message)"
        }
    }

    /// The image parameters (`defaults:`): the keys front matter takes, whole numbers or text.
    static let parameters = Dictionary(
        uniqueKeysWithValues: ImageParameters.keys.map { key in
            (key, ["compression", "count", "preview_images", "frames", "frame_duration_ms"].contains(key) ? Value.wholeNumber : key == "preview" ? .flag : .text)
        }
    )

    static let root: [String: Value] = [
        "inboxes": .inboxes,
        "provider": .text,
        "base_url": .text,
        "api_key_file": .text,
        "api_key": .text,
        "model": .text,
        "concurrency": .wholeNumber,
        "state_dir": .text,
        "ledger_url": .text,
        "ledger_password_file": .text,
        "ledger_lease_seconds": .number,
        "request_timeout": .number,
        "response_format": .text,
        "dry_run": .flag,
        "log_level": .text,
        "metrics_address": .text,
        "max_usd_per_day": .number,
        "credit_usd": .number,
        "pause_probe_seconds": .number,
        "shutdown_timeout_seconds": .number,
        "orphan_timeout_seconds": .number,
        "max_batch_entries": .wholeNumber,
        "held_results_max_mb": .wholeNumber,
        "ignore": .texts,
        "models": .models,
        "defaults": .section(parameters),
        "watch": .section([
            "mode": .text, "settle_seconds": .number, "quiet_seconds": .number, "poll_interval_seconds": .number,
            "rescan_interval_seconds": .number,
        ]),
        "output": .section(["mode": .text, "group": .text]),
        "retry": .section([
            "max_attempts": .wholeNumber, "give_up_after_seconds": .number, "notice_after_seconds": .number,
            "base_delay_seconds": .number, "max_delay_seconds": .number,
        ]),
    ]

    /// The `IMAGE_INBOX_*` variables in `environment` that set nothing, each with the variable
    /// probably meant (a warning, not an error: the environment is shared with other programs).
    package static func unknownEnvironmentVariables(in environment: [String: String]) -> [(name: String, meant: String?)] {
        var known: Set<String> = ["IMAGE_INBOX_CONFIG"]
        func add(_ schema: [String: Value], _ prefix: String) {
            for (key, value) in schema {
                if case .section(let inner) = value { add(inner, prefix + key + "_") } else { known.insert((prefix + key).uppercased()) }
            }
        }
        add(root, "IMAGE_INBOX_")
        return environment.keys.filter { $0.hasPrefix("IMAGE_INBOX_") && !known.contains($0) }.sorted().map { name in
            (name, KeySuggestion.nearest(to: name.lowercased(), among: known.map { $0.lowercased() }).map { $0.uppercased() })
        }
    }

    /// What is wrong with a configuration document against the schema, in the file's order.
    package static func problems(in document: Node) -> [Problem] {
        guard case .mapping = document else {
            return [Problem(key: "(the file)", line: document.mark?.line, message: "is not a list of settings (key: value lines).")]
        }
        var problems: [Problem] = []
        check(document, against: root, prefix: "", into: &problems)
        return problems
    }

    private static func check(_ node: Node, against schema: [String: Value], prefix: String, into problems: inout [Problem]) {
        guard case .mapping(let mapping) = node else { return }
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? "\(keyNode)"
            let path = prefix + key
            let line = keyNode.mark?.line
            guard let expected = schema[key] else {
                problems.append(Problem(key: path, line: line, message: unknownKeyMessage(key, prefix: prefix, known: schema)))
                continue
            }
            switch expected {
            case .section(let inner):
                guard case .mapping = value else {
                    if !isEmpty(value) {
                        problems.append(Problem(key: path, line: line, message: "is a section: write its settings indented below it."))
                    }
                    continue
                }
                check(value, against: inner, prefix: path + ".", into: &problems)
            default:
                if let wrong = mismatch(value, expected) { problems.append(Problem(key: path, line: line, message: wrong)) }
            }
        }
    }

    /// Why `node` is not a value of the `expected` kind; nil when it is.
    private static func mismatch(_ node: Node, _ expected: Value) -> String? {
        if isEmpty(node) { return nil }
        switch (expected, node) {
        case (.inboxes, .sequence(let items)):
            let valid = items.allSatisfy { item in
                switch item {
                case .scalar: true
                case .mapping(let fields): fields["path"]?.scalar != nil && fields.keys.allSatisfy { ["name", "path"].contains($0.string ?? "") }
                default: false
                }
            }
            return valid ? nil : "must be a list of folders: DIR, NAME=DIR, or {name: NAME, path: DIR}."
        case (.models, .sequence(let items)):
            let valid = items.allSatisfy { item in
                guard case .mapping(let fields) = item else { return false }
                return fields["provider"]?.scalar != nil && fields["id"]?.scalar != nil
            }
            return valid ? nil : "must be a list of models, each a section with provider and id (image-inbox models --yaml shows the form)."
        case (.texts, .sequence(let items)):
            return items.allSatisfy { if case .scalar = $0 { true } else { false } } ? nil : "must be a list of single values."
        case (_, .mapping), (_, .sequence):
            return "must be a single value, not a \(node.isMapping ? "section" : "list")."
        case (.number, _):
            return node.float != nil || node.int != nil ? nil : "'\(node.string ?? "")' is not a number."
        case (.wholeNumber, _):
            return node.int != nil ? nil : "'\(node.string ?? "")' is not a whole number."
        case (.flag, _):
            return node.bool != nil ? nil : "'\(node.string ?? "")' is not true or false."
        default:
            return nil
        }
    }

    private static func isEmpty(_ node: Node) -> Bool {
        if case .scalar(let scalar) = node, scalar.string.isEmpty || node.null != nil { return true }
        return false
    }

    private static func unknownKeyMessage(_ key: String, prefix: String, known schema: [String: Value]) -> String {
        let here = prefix.isEmpty ? "the configuration" : "'\(prefix.dropLast())'"
        if let near = KeySuggestion.nearest(to: key, among: schema.keys) {
            return "is not a setting of \(here). Did you mean '\(prefix)\(near)'?"
        }
        // A section's key written at the top, or a top-level key inside a section.
        for (section, value) in root {
            if case .section(let inner) = value, inner[key] != nil, prefix != section + "." {
                return "is not a setting of \(here). Did you mean '\(section).\(key)' (indented under '\(section):')?"
            }
        }
        if !prefix.isEmpty, root[key] != nil { return "is not a setting of \(here). Did you mean '\(key)' (not indented)?" }
        return "is not a setting of \(here). The settings: \(schema.keys.sorted().joined(separator: ", "))."
    }
}

extension Node {
    fileprivate var isMapping: Bool {
        if case .mapping = self { return true }
        return false
    }
}
