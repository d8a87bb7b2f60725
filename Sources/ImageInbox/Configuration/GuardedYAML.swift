import Foundation
package import Yams

/// YAML from files that people and admins write, read so that no file can exhaust the daemon.
///
/// Nine nested levels of ten aliases make a billion values out of one kilobyte, and Yams expands them
/// while it builds values. So the document is composed first (aliases share their node there,
/// which costs nothing), any anchor or alias is refused, and so is nesting past
/// ``maximumDepth``; only then are values built. Brackets (`[[[[…`) are counted in the text
/// before composing, as composing recurses once per level. Two things on which Yams stops the
/// process while it builds values are refused as well: a list or a mapping as a key, and a
/// base-60 number (`1:30`) too large for an `Int`.
package enum GuardedYAML {
    /// The deepest nesting of mappings and sequences accepted.
    package static let maximumDepth = 32

    /// Why a document was refused, in words for the person who wrote it.
    package struct Refusal: Error, Sendable, Equatable {
        /// What is wrong and how to fix it (starts lower-case, to follow "The front matter …").
        package var problem: String
        /// The line (from 1, in the text given) where it is.
        package var line: Int?
        /// Whether the text is not YAML at all (rather than YAML refused for what it does).
        package var isSyntaxError: Bool

        /// `" (line N)"` for a message, with the line counted in a file whose YAML starts
        /// `linesBefore` lines in (front matter after its `---`); empty when the line is unknown.
        package func place(linesBefore: Int = 0) -> String {
            line.map { " (line \($0 + linesBefore))" } ?? ""
        }

        package init(problem: String, line: Int? = nil, isSyntaxError: Bool = false) {
            self.problem = problem
            self.line = line
            self.isSyntaxError = isSyntaxError
        }
    }

    /// Reads `text`, refusing anything that could make it expensive.
    ///
    /// - Returns: The document's value: nil for an empty document, else what `Yams.load` gives.
    /// - Throws: ``Refusal`` for a document larger than `maximumBytes`, one with anchors or
    ///   aliases, one nested too deep, one with a key that is not a scalar or a base-60 number
    ///   too large, or one that is not valid YAML.
    package static func load(_ text: String, maximumBytes: Int) throws(Refusal) -> Any? {
        try compose(text, maximumBytes: maximumBytes)?.any
    }

    /// Composes `text` into its node tree (with each node's line), refusing what ``load(_:maximumBytes:)`` refuses.
    ///
    /// - Returns: The document's root node; nil for an empty document.
    package static func compose(_ text: String, maximumBytes: Int) throws(Refusal) -> Node? {
        guard text.utf8.count <= maximumBytes else {
            throw Refusal(problem: "is \(text.utf8.count / 1024) KB; at most \(maximumBytes / 1024) KB is read")
        }
        if let line = lineNestingTooDeep(text) {
            throw Refusal(problem: "nests lists or mappings more than \(maximumDepth) levels deep", line: line)
        }
        let parser: Parser
        let root: Node?
        do {
            parser = try Parser(yaml: text)
            root = try parser.singleRoot()
        } catch {
            throw Refusal(problem: "is not valid YAML (\(error))", isSyntaxError: true)
        }
        guard let root else { return nil }
        // A node holds its anchor weakly and the parser holds them all: it must outlive the check.
        try withExtendedLifetime(parser) { () throws(Refusal) in try check(root, depth: 1) }
        return root
    }

    /// The line of each key of a mapping document (from 1); empty for any other document.
    package static func keyLines(of document: Node) -> [String: Int] {
        guard case .mapping(let mapping) = document else { return [:] }
        var lines: [String: Int] = [:]
        for (key, _) in mapping {
            if let name = key.string, let line = key.mark?.line { lines[name] = line }
        }
        return lines
    }

    private static func check(_ node: Node, depth: Int) throws(Refusal) {
        if node.anchor != nil || { if case .alias = node { return true } else { return false } }() {
            throw Refusal(
                problem: "uses a YAML anchor or alias ('&name' or '*name'), which is not accepted; write each value out",
                line: node.mark?.line
            )
        }
        guard depth <= maximumDepth else {
            throw Refusal(problem: "nests lists or mappings more than \(maximumDepth) levels deep", line: node.mark?.line)
        }
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                try check(key, depth: depth + 1)
                // Yams builds every key as a string and stops the process on any other (`[a]: b`,
                // `? {a: 1}`), so such a key must be refused before values are built.
                guard case .scalar = key else {
                    throw Refusal(
                        problem: "uses a list or a mapping as a key; a key is a name, such as 'size'",
                        line: key.mark?.line
                    )
                }
                try check(value, depth: depth + 1)
            }
        case .sequence(let sequence):
            for element in sequence { try check(element, depth: depth + 1) }
        case .scalar(let scalar):
            if overflowsAsBaseSixty(scalar) {
                throw Refusal(
                    problem: "has the number '\(scalar.string)', which is too large; quote it if it is text",
                    line: node.mark?.line
                )
            }
        case .alias:
            return
        }
    }

    /// Whether Yams, reading `scalar` as a whole number, would overflow.
    ///
    /// Yams reads `1:30` as base 60 (90), for values and for `Node.int`, with arithmetic that stops
    /// the process on overflow: eleven fields (`1:0:0:0:0:0:0:0:0:0:0`) are enough. This follows
    /// Yams 6's `Int.construct(from:)` step by step and does its arithmetic with overflow checks.
    private static func overflowsAsBaseSixty(_ scalar: Node.Scalar) -> Bool {
        guard scalar.style == .plain || scalar.style == .any, scalar.string.contains(":") else { return false }
        let withSign = scalar.string.replacingOccurrences(of: "_", with: "")
        let negative = withSign.hasPrefix("-")
        let unsigned = withSign.dropFirst(negative || withSign.hasPrefix("+") ? 1 : 0)
        // `0x…`, `0b…`, `0o…` and `0…` are read with a radix, which gives nil on overflow.
        guard !unsigned.hasPrefix("0"), unsigned.contains(":") else { return false }
        var fields: [Int] = []
        for text in String(unsigned).components(separatedBy: ":") {
            guard let field = Int(text, radix: 10) else { return false }
            fields.append(field)
        }
        var (base, value) = (1, 0)
        for field in fields.reversed() {
            let term = field.multipliedReportingOverflow(by: base)
            let sum = value.addingReportingOverflow(term.partialValue)
            let nextBase = base.multipliedReportingOverflow(by: 60)
            guard !term.overflow, !sum.overflow, !nextBase.overflow else { return true }
            (base, value) = (nextBase.partialValue, sum.partialValue)
        }
        return negative && value == .min
    }

    /// The line where brackets (`[`, `{`) open past the limit; nil when they do not.
    ///
    /// Quotes and comments are not told apart from the rest: a document that needs more than
    /// ``maximumDepth`` unclosed brackets even inside its strings is not one a person writes.
    private static func lineNestingTooDeep(_ text: String) -> Int? {
        var depth = 0
        var line = 1
        for byte in text.utf8 {
            switch byte {
            case 0x0A: line += 1
            case 0x5B, 0x7B:  // [ {
                depth += 1
                if depth > maximumDepth { return line }
            case 0x5D, 0x7D: depth = max(0, depth - 1)  // ] }
            default: break
            }
        }
        return nil
    }
}
