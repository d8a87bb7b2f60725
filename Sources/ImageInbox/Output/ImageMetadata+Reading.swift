extension ImageMetadata {
    /// Reads the entries embedded in an image by ``embed(into:)``: PNG `iTXt`/`tEXt` chunks, JPEG
    /// `COM` lines, the lines of GIF comment extensions, or the `imageinbox:` elements of an SVG's
    /// `<metadata>` (WebP's XMP is not read back).
    ///
    /// - Returns: The entries in file order; empty when there are none.
    package init(readingFrom image: [UInt8]) {
        var entries: [(key: String, value: String)] = []
        switch ImageFormat(sniffing: image) {
        case .png?:
            var offset = 8
            while offset + 12 <= image.count {
                let length = Int(image.bigEndianUInt32(at: offset))
                guard offset + 12 + length <= image.count else { break }
                let type = String(decoding: image[(offset + 4)..<(offset + 8)], as: UTF8.self)
                let data = Array(image[(offset + 8)..<(offset + 8 + length)])
                if type == "iTXt" || type == "tEXt", let null = data.firstIndex(of: 0) {
                    let key = String(decoding: data[..<null], as: UTF8.self)
                    var rest = data[(null + 1)...]
                    if type == "iTXt" {
                        // compression flag, method, language tag\0, translated keyword\0
                        rest = rest.dropFirst(2)
                        for _ in 0..<2 { rest = rest.drop(while: { $0 != 0 }).dropFirst() }
                    }
                    entries.append((key, String(decoding: rest, as: UTF8.self)))
                }
                offset += 12 + length
            }
        case .jpeg?:
            var offset = 2
            var text = ""
            while offset + 4 <= image.count, image[offset] == 0xFF, image[offset + 1] != 0xDA {
                let length = Int(image[offset + 2]) << 8 | Int(image[offset + 3])
                // A segment's length counts its own two bytes: less is no segment (and a range
                // that ends before it starts).
                guard length >= 2 else { break }
                if image[offset + 1] == 0xFE {
                    text += String(decoding: image[(offset + 4)..<min(image.count, offset + 2 + length)], as: UTF8.self)
                }
                offset += 2 + length
            }
            entries = Self.entries(fromCommentText: text)
        case .gif?:
            entries = Self.gifEntries(image)
        case .svg?:
            entries = Self.svgEntries(image)
        case .webp?, nil:
            break
        }
        self.init(entries)
    }

    /// The entries of comment text written as ``commentText``: a line `key: value` starts an
    /// entry (a key has no space), any other line continues the last one's value.
    static func entries(fromCommentText text: String) -> [(key: String, value: String)] {
        var entries: [(key: String, value: String)] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let colon = line.firstIndex(of: ":"), !line[..<colon].contains(" ") {
                entries.append((String(line[..<colon]), String(line[line.index(after: colon)...].dropFirst())))
            } else if !entries.isEmpty {
                entries[entries.count - 1].value += "\n" + line
            }
        }
        return entries
    }
}
