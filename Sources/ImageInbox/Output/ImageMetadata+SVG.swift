extension ImageMetadata {
    /// `image`, an SVG, with the entries in a `<metadata>` element (``rdf``, XML-escaped) as the
    /// root element's first child, in the root's namespace prefix when it has one.
    ///
    /// - Throws: ``ImageInboxError`` `invalidResponse` when the SVG is not whole (its elements
    ///   do not nest and close), or holds what would run as a script where it is opened (see
    ///   ``SVGDocument/activeContent``): a result on a share is opened in browsers, and a
    ///   script in it would run there, in the name of the share's site.
    func embedSVG(_ image: [UInt8]) throws(ImageInboxError) -> [UInt8] {
        guard let svg = SVGDocument(bytes: image) else {
            var error = ImageInboxError(
                code: .invalidResponse,
                message: "The SVG the images API sent is not a whole SVG document (its elements do not nest and close), so it was not written; "
                    + "the request was billed. Save the file again to have it made again, which is paid again."
            )
            error.shouldRetry = false
            throw error
        }
        if let found = svg.activeContent.first {
            var error = ImageInboxError(
                code: .invalidResponse,
                message: "The SVG the images API sent held a script (\(found)), so it was not written: a script in an SVG on the share "
                    + "runs in the browser of whoever opens it. The request was billed. Save the file again to have it made again "
                    + "(paid again), or ask for format: png."
            )
            // Asked again, the model may well draw the same script, and each answer is paid.
            error.shouldRetry = false
            throw error
        }
        let element = Self.prefix(of: svg) + "metadata"
        let metadata = Array("<\(element)>\(rdf)</\(element)>".utf8)
        guard svg.rootIsEmpty else {
            return Array(image[..<svg.rootTagEnd]) + metadata + Array(image[svg.rootTagEnd...])
        }
        // `<svg …/>` becomes `<svg …>`, the metadata, and the root's end tag.
        let slash = svg.rootTagEnd - 2
        return Array(image[..<slash]) + Array(">".utf8) + metadata + Array("</\(svg.rootName)>".utf8) + Array(image[svg.rootTagEnd...])
    }

    /// The entries of an SVG's first `<metadata>` element after its root's start tag: each
    /// `imageinbox:KEY` element in it, its text unescaped.
    static func svgEntries(_ image: [UInt8]) -> [(key: String, value: String)] {
        guard let svg = SVGDocument(bytes: image) ?? SVGDocument(rootOf: image) else { return [] }
        let element = prefix(of: svg) + "metadata"
        guard let start = firstRange(of: Array("<\(element)>".utf8), in: image, from: svg.rootTagEnd),
            let end = firstRange(of: Array("</\(element)>".utf8), in: image, from: start.upperBound)
        else { return [] }
        let opening = Array("<imageinbox:".utf8)
        var entries: [(key: String, value: String)] = []
        var position = start.upperBound
        while let tag = firstRange(of: opening, in: image, from: position), tag.upperBound < end.lowerBound {
            guard let close = image[tag.upperBound..<end.lowerBound].firstIndex(of: UInt8(ascii: ">")) else { break }
            let key = String(decoding: image[tag.upperBound..<close], as: UTF8.self)
            guard let closing = firstRange(of: Array("</imageinbox:\(key)>".utf8), in: image, from: close + 1),
                closing.upperBound <= end.lowerBound
            else { break }
            let raw = image[(close + 1)..<closing.lowerBound]
            entries.append((key, SVGWalker.resolved(raw) ?? String(decoding: raw, as: UTF8.self)))
            position = closing.upperBound
        }
        return entries
    }

    /// The root's namespace prefix with its colon (`svg:`), or nothing.
    private static func prefix(of svg: SVGDocument) -> String {
        guard let colon = svg.rootName.lastIndex(of: ":") else { return "" }
        return String(svg.rootName[...colon])
    }

    /// Where `needle` first occurs in `bytes` from `start` on.
    private static func firstRange(of needle: [UInt8], in bytes: [UInt8], from start: Int) -> Range<Int>? {
        guard let first = needle.first, start <= bytes.count else { return nil }
        var position = start
        while let candidate = bytes[position...].firstIndex(of: first) {
            if bytes[candidate...].starts(with: needle) { return candidate..<(candidate + needle.count) }
            position = candidate + 1
        }
        return nil
    }
}
