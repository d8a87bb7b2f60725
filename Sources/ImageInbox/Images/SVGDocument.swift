/// An SVG document's structure: its root element, where that element's start tag ends, its
/// size, and whatever in it would run as a script.
///
/// Read by ``SVGWalker``, a small structural check, not an XML parser: on Linux, Foundation's
/// `XMLParser` lives in FoundationXML and brings libxml2 with it, and an SVG from the images API
/// only has to be an `svg` element whose elements nest and close. A document that passes may
/// still be one a strict parser refuses (a repeated attribute, a bad character in a name).
package struct SVGDocument: Sendable, Equatable {
    /// The root element's name as written: `svg`, or `svg:svg` with a namespace prefix.
    package var rootName: String
    /// Just past the `>` of the root's start tag: where its first child goes.
    package var rootTagEnd: Int
    /// Whether the root's start tag closes itself (`<svg … />`): it has no children.
    package var rootIsEmpty: Bool
    /// The width the root gives in pixels: its `width` and `height` when both are plain numbers
    /// (`px` allowed), else its `viewBox`'s, else 0.
    package var width: Int
    /// The height the root gives in pixels, as ``width``.
    package var height: Int
    /// What in the document would run as a script where it is opened (a browser on the share),
    /// in words: `a <script> element`, `the event attribute onload`, …; empty when nothing would.
    ///
    /// Besides what ``SVGWalker`` finds in the tags, any `<script` or `javascript:` in the text
    /// counts, in any case and wherever it is (a comment, a style sheet, a CDATA section).
    package var activeContent: [String]

    /// Reads the structure of `bytes`.
    ///
    /// - Returns: nil when they are not an XML document whose root element is `svg`, or its
    ///   elements do not nest and close (a document cut short).
    package init?(bytes: [UInt8]) {
        self.init(bytes, whole: true)
    }

    /// Reads the prolog and the root's start tag of `bytes` only, for a file read in part (the
    /// first megabyte of an edit's image): ``activeContent`` then covers no more than that.
    ///
    /// - Returns: nil when the root element is not `svg` or its start tag is not whole.
    package init?(rootOf bytes: [UInt8]) {
        self.init(bytes, whole: false)
    }

    private init?(_ bytes: [UInt8], whole: Bool) {
        var walker = SVGWalker(bytes)
        guard walker.skipProlog(), let root = walker.readStartTag(), SVGWalker.localName(root.name) == "svg" else { return nil }
        walker.inspect(root)
        rootName = root.name
        rootTagEnd = walker.index
        rootIsEmpty = root.isEmpty
        if whole, root.isEmpty {
            guard walker.skipEpilog() else { return nil }
        } else if whole {
            guard walker.walkContent(root: root.name) != nil else { return nil }
        }
        let attributes = Dictionary(root.attributes.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        let size = Self.size(attributes)
        width = size.width
        height = size.height
        var found = walker.findings
        let text = bytes[...]
        if SVGWalker.contains("<script", in: text), !found.contains(where: { $0.contains("script>") }) {
            found.append("a <script> element")
        }
        if SVGWalker.contains("javascript:", in: text), !found.contains(where: { $0.hasPrefix("a script URL") }) {
            found.append("a javascript: URL")
        }
        activeContent = found
    }

    /// Whether the text's root element is `svg`, looking no further than that element's name:
    /// the start of a file is enough.
    package static func hasSVGRoot(_ bytes: [UInt8]) -> Bool {
        var walker = SVGWalker(bytes)
        guard walker.skipProlog() else { return false }
        let name = bytes[(walker.index + 1)...].prefix { byte in
            ![0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: "/"), UInt8(ascii: ">")].contains(byte)
        }
        return SVGWalker.localName(String(decoding: name, as: UTF8.self)) == "svg"
    }

    /// The pixel size `width` and `height` give, or `viewBox` when they do not.
    private static func size(_ attributes: [String: String]) -> (width: Int, height: Int) {
        if let width = attributes["width"].flatMap(pixels), let height = attributes["height"].flatMap(pixels) {
            return (width, height)
        }
        let box = (attributes["viewBox"] ?? "").split(whereSeparator: { $0 == "," || $0.isWhitespace }).compactMap { Double($0) }
        guard box.count == 4, box[2] > 0, box[3] > 0, box[2] < 1e6, box[3] < 1e6 else { return (0, 0) }
        return (Int(box[2].rounded()), Int(box[3].rounded()))
    }

    /// A length in pixels: `1024` or `1024px`; nil for percentages and other units.
    private static func pixels(_ length: String) -> Int? {
        let start = length.drop { $0.isWhitespace }
        let trimmed = start.lastIndex { !$0.isWhitespace }.map { start[...$0] } ?? ""
        let number = trimmed.hasSuffix("px") ? trimmed.dropLast(2) : trimmed
        guard let value = Double(number), value > 0, value < 1e6 else { return nil }
        return Int(value.rounded())
    }
}
