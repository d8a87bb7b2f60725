/// Walks the markup of an XML document byte by byte for ``SVGDocument``: the prolog, every
/// start and end tag with its attributes, references, comments, CDATA sections and processing
/// instructions, checking that elements nest and close, and noting what would run as a script.
///
/// It checks structure, not the whole of XML: names are not checked character by character and
/// a repeated attribute is not refused. What it refuses, no XML parser would read as a document.
struct SVGWalker {
    /// A start tag as written: its name, its attributes (references resolved), and whether it
    /// closes itself (`<g/>`).
    struct StartTag {
        var name: String
        var attributes: [(name: String, value: String)]
        var isEmpty: Bool
    }

    let bytes: [UInt8]
    /// Where the walk is.
    var index = 0
    /// What would run as a script where the document is opened, in words, in the order found.
    var findings: [String] = []

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Steps over a UTF-8 byte order mark, white space, the XML declaration, comments,
    /// processing instructions and a doctype, up to the `<` of the root element.
    ///
    /// - Returns: false when the text ends first or holds something else before an element.
    mutating func skipProlog() -> Bool {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        while true {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "<") else { return false }
            if at("<?") || at("<!--") {
                guard skipMarkup() else { return false }
            } else if at("<!DOCTYPE") {
                guard skipDoctype() else { return false }
            } else {
                return !at("<!") && !at("</")
            }
        }
    }

    /// Walks the root's content after its start tag, through its end tag, then what may follow
    /// it (white space, comments, processing instructions) to the end of the text.
    ///
    /// - Returns: Where the root's end tag starts (its `<`); nil when an element is not closed,
    ///   is closed by another's end tag, or the text is not markup XML reads.
    mutating func walkContent(root: String) -> Int? {
        var open = [root]
        var rootEnd: Int?
        while rootEnd == nil {
            guard let next = bytes[index...].firstIndex(where: { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "&") }) else { return nil }
            index = next
            if bytes[index] == UInt8(ascii: "&") {
                guard let end = Self.reference(in: bytes, at: index) else { return nil }
                index = end.next
            } else if at("<!--") || at("<?") || at("<![CDATA[") {
                guard skipMarkup() else { return nil }
            } else if at("<!") {
                return nil
            } else if at("</") {
                let start = index
                index += 2
                let name = readName()
                skipSpace()
                guard at(">"), open.last == name else { return nil }
                index += 1
                open.removeLast()
                if open.isEmpty { rootEnd = start }
            } else {
                guard let tag = readStartTag() else { return nil }
                inspect(tag)
                if !tag.isEmpty { open.append(tag.name) }
            }
        }
        return skipEpilog() ? rootEnd : nil
    }

    /// Steps over white space, comments and processing instructions to the end of the text.
    ///
    /// - Returns: false when anything else follows.
    mutating func skipEpilog() -> Bool {
        while true {
            skipSpace()
            guard index < bytes.count else { return true }
            guard at("<!--") || at("<?"), skipMarkup() else { return false }
        }
    }

    /// Reads the start tag at `index` (its `<`) and steps past it.
    ///
    /// - Returns: nil when it is malformed: no name, an attribute without a quoted value, a `<`
    ///   in a value, a reference XML does not know, or no `>`.
    mutating func readStartTag() -> StartTag? {
        index += 1
        let name = readName()
        guard !name.isEmpty else { return nil }
        var attributes: [(name: String, value: String)] = []
        while true {
            let spaced = skipSpace()
            guard index < bytes.count else { return nil }
            if at(">") {
                index += 1
                return StartTag(name: name, attributes: attributes, isEmpty: false)
            }
            if at("/>") {
                index += 2
                return StartTag(name: name, attributes: attributes, isEmpty: true)
            }
            guard spaced else { return nil }
            let attribute = readName()
            skipSpace()
            guard !attribute.isEmpty, at("=") else { return nil }
            index += 1
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'"),
                let close = bytes[(index + 1)...].firstIndex(of: bytes[index]),
                let value = Self.resolved(bytes[(index + 1)..<close])
            else { return nil }
            attributes.append((attribute, value))
            index = close + 1
        }
    }

    /// Notes what in a start tag would run as a script: a `script` (or SVG Tiny's `handler`)
    /// element, an event attribute (`onload`, `onclick`, …), a `javascript:` or `vbscript:` URL,
    /// markup with a script in a value (an `<iframe srcdoc>` in a `foreignObject`), or an
    /// animation that sets an event attribute.
    mutating func inspect(_ tag: StartTag) {
        let element = Self.localName(tag.name).lowercased()
        if element == "script" || element == "handler" { findings.append("a <\(tag.name)> element") }
        for (name, value) in tag.attributes {
            let attribute = Self.localName(name).lowercased()
            if attribute.count > 2, attribute.hasPrefix("on"), !name.lowercased().hasPrefix("xmlns") {
                findings.append("the event attribute \(name)")
            }
            // Browsers drop white space and control characters inside a URL's scheme.
            let squeezed = String(value.lowercased().unicodeScalars.filter { $0.value > 0x20 && $0.value != 0x7F })
            if squeezed.contains("javascript:") || squeezed.contains("vbscript:") {
                findings.append("a script URL in \(name)")
            } else if squeezed.contains("<script") {
                findings.append("a script in \(name)")
            }
            if attribute == "attributename", squeezed.hasPrefix("on") || squeezed.contains(":on") {
                findings.append("an animation of the event attribute \(value)")
            }
        }
    }

    /// Reads a name (of an element or attribute) and steps past it.
    private mutating func readName() -> String {
        let start = index
        while index < bytes.count, !Self.endsName(bytes[index]) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// Steps over white space.
    ///
    /// - Returns: Whether there was any.
    @discardableResult
    private mutating func skipSpace() -> Bool {
        let start = index
        while index < bytes.count, Self.isSpace(bytes[index]) { index += 1 }
        return index > start
    }

    /// Steps over the comment, processing instruction or CDATA section at `index`.
    ///
    /// - Returns: false when it is not closed.
    private mutating func skipMarkup() -> Bool {
        let close = at("<!--") ? "-->" : at("<?") ? "?>" : "]]>"
        guard let end = find(close, from: index + 2) else { return false }
        index = end + close.utf8.count
        return true
    }

    /// Steps over a doctype, its internal subset included. An entity declared there is noted:
    /// its text is markup wherever it is referenced, so a script can hide in it behind
    /// character references no scan of the text would see.
    private mutating func skipDoctype() -> Bool {
        let start = index
        var quote: UInt8?
        var inSubset = false
        index += 9
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: "[") {
                inSubset = true
            } else if byte == UInt8(ascii: "]") {
                inSubset = false
            } else if byte == UInt8(ascii: ">"), !inSubset {
                if Self.contains("<!entity", in: bytes[start..<index]) { findings.append("an entity declaration") }
                return true
            }
        }
        return false
    }

    /// Whether the text at `index` starts with `literal`.
    private func at(_ literal: String) -> Bool {
        bytes[index...].starts(with: literal.utf8)
    }

    /// Where `literal` next starts, from `start` on.
    private func find(_ literal: String, from start: Int) -> Int? {
        let needle = Array(literal.utf8)
        guard let first = needle.first, start < bytes.count else { return nil }
        var position = start
        while let candidate = bytes[position...].firstIndex(of: first) {
            if bytes[candidate...].starts(with: needle) { return candidate }
            position = candidate + 1
        }
        return nil
    }

    /// Whether `bytes` hold `needle` (lower-case ASCII), in any case.
    static func contains(_ needle: String, in bytes: ArraySlice<UInt8>) -> Bool {
        let pattern = Array(needle.utf8)
        guard let first = pattern.first, bytes.count >= pattern.count else { return false }
        var position = bytes.startIndex
        let last = bytes.endIndex - pattern.count
        while position <= last {
            if lowered(bytes[position]) == first, pattern.indices.allSatisfy({ lowered(bytes[position + $0]) == pattern[$0] }) {
                return true
            }
            position += 1
        }
        return false
    }

    /// The text of an attribute value with its references resolved; nil when an `&` starts no
    /// reference XML knows without a doctype, or a `<` is in it.
    static func resolved(_ raw: ArraySlice<UInt8>) -> String? {
        guard !raw.contains(UInt8(ascii: "<")) else { return nil }
        guard raw.contains(UInt8(ascii: "&")) else { return String(decoding: raw, as: UTF8.self) }
        let bytes = Array(raw)
        var text: [UInt8] = []
        var position = 0
        while position < bytes.count {
            if bytes[position] == UInt8(ascii: "&") {
                guard let reference = reference(in: bytes, at: position) else { return nil }
                text += Array(String(Character(reference.scalar)).utf8)
                position = reference.next
            } else {
                text.append(bytes[position])
                position += 1
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The reference at `start` (its `&`): a character reference or one of XML's five entities.
    ///
    /// - Returns: The character it stands for and where the text goes on; nil for anything else.
    static func reference(in bytes: [UInt8], at start: Int) -> (scalar: Unicode.Scalar, next: Int)? {
        guard let semicolon = bytes[start...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else { return nil }
        let name = String(decoding: bytes[(start + 1)..<semicolon], as: UTF8.self)
        let named: [String: Unicode.Scalar] = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'"]
        if let scalar = named[name] { return (scalar, semicolon + 1) }
        guard name.hasPrefix("#") else { return nil }
        let digits = name.dropFirst()
        let value = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
        guard let value, let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, semicolon + 1)
    }

    /// The part of a name after its namespace prefix: `svg` of `svg:svg`.
    static func localName(_ name: String) -> Substring {
        name.split(separator: ":", omittingEmptySubsequences: false).last ?? Substring(name)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// The bytes besides white space that end a name: `/`, `>`, `=`, `<` and quotes.
    private static let nameEnds: Set<UInt8> = [0x2F, 0x3E, 0x3D, 0x3C, 0x22, 0x27]

    private static func endsName(_ byte: UInt8) -> Bool {
        isSpace(byte) || nameEnds.contains(byte)
    }

    private static func lowered(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte + 0x20 : byte
    }
}
