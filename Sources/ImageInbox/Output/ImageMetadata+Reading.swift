extension ImageMetadata {
    /// Reads the entries embedded in an image by ``embed(into:)``: PNG `iTXt`/`tEXt` chunks or JPEG `COM` lines.
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
                if image[offset + 1] == 0xFE {
                    text += String(decoding: image[(offset + 4)..<min(image.count, offset + 2 + length)], as: UTF8.self)
                }
                offset += 2 + length
            }
            var lastKey: String?
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if let colon = line.firstIndex(of: ":"), !line[..<colon].contains(" ") {
                    lastKey = String(line[..<colon])
                    entries.append((String(line[..<colon]), String(line[line.index(after: colon)...].dropFirst())))
                } else if lastKey != nil, !entries.isEmpty {
                    entries[entries.count - 1].value += "\n" + line
                }
            }
        default:
            break
        }
        self.init(entries)
    }
}
