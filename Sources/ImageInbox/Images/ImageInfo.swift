/// The format, dimensions and transparency of an image, read from its header without decoding it.
package struct ImageInfo: Sendable, Equatable {
    /// The format, by magic bytes.
    package var format: ImageFormat
    /// Width in pixels.
    package var width: Int
    /// Height in pixels.
    package var height: Int
    /// Whether the image can carry transparency (PNG colour type 4 or 6 or a `tRNS` chunk;
    /// WebP with alpha; a GIF with a transparent colour); always false for JPEG, always true
    /// for SVG (whatever its shapes leave uncovered is transparent).
    package var hasAlpha: Bool

    package init(format: ImageFormat, width: Int, height: Int, hasAlpha: Bool) {
        self.format = format
        self.width = width
        self.height = height
        self.hasAlpha = hasAlpha
    }

    /// Reads the header of an image.
    ///
    /// An SVG's size is what its root element says in pixels, 0 when it says it otherwise
    /// (a percentage, another unit, neither size nor `viewBox`).
    ///
    /// - Returns: nil when the bytes are not a PNG, JPEG, WebP or GIF image whose header is
    ///   intact, or an SVG document whose root element is whole.
    package init?(bytes: [UInt8]) {
        switch ImageFormat(sniffing: bytes) {
        case .png?: guard let info = Self.png(bytes) else { return nil }; self = info
        case .jpeg?: guard let info = Self.jpeg(bytes) else { return nil }; self = info
        case .webp?: guard let info = Self.webp(bytes) else { return nil }; self = info
        case .gif?: guard let info = Self.gif(bytes) else { return nil }; self = info
        case .svg?: guard let info = Self.svg(bytes) else { return nil }; self = info
        case nil: return nil
        }
    }

    private static func png(_ b: [UInt8]) -> ImageInfo? {
        guard b.count >= 33, b[12..<16].elementsEqual("IHDR".utf8) else { return nil }
        let width = Int(b.bigEndianUInt32(at: 16))
        let height = Int(b.bigEndianUInt32(at: 20))
        let colorType = b[25]
        var hasAlpha = colorType == 4 || colorType == 6
        var offset = 8
        while !hasAlpha, offset + 8 <= b.count {
            let length = Int(b.bigEndianUInt32(at: offset))
            let type = b[(offset + 4)..<(offset + 8)]
            if type.elementsEqual("tRNS".utf8) { hasAlpha = true }
            if type.elementsEqual("IDAT".utf8) { break }
            offset += 12 + length
        }
        return width > 0 && height > 0 ? ImageInfo(format: .png, width: width, height: height, hasAlpha: hasAlpha) : nil
    }

    private static func jpeg(_ b: [UInt8]) -> ImageInfo? {
        var offset = 2
        while offset + 9 < b.count {
            guard b[offset] == 0xFF else { return nil }
            let marker = b[offset + 1]
            if marker == 0xFF { offset += 1; continue }
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 { offset += 2; continue }
            let length = Int(b[offset + 2]) << 8 | Int(b[offset + 3])
            let isStartOfFrame = (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker)
            if isStartOfFrame {
                let height = Int(b[offset + 5]) << 8 | Int(b[offset + 6])
                let width = Int(b[offset + 7]) << 8 | Int(b[offset + 8])
                return width > 0 && height > 0 ? ImageInfo(format: .jpeg, width: width, height: height, hasAlpha: false) : nil
            }
            if marker == 0xDA || marker == 0xD9 { return nil }
            offset += 2 + length
        }
        return nil
    }

    private static func webp(_ b: [UInt8]) -> ImageInfo? {
        guard b.count >= 30 else { return nil }
        let chunk = b[12..<16]
        if chunk.elementsEqual("VP8X".utf8) {
            let width = 1 + (Int(b[24]) | Int(b[25]) << 8 | Int(b[26]) << 16)
            let height = 1 + (Int(b[27]) | Int(b[28]) << 8 | Int(b[29]) << 16)
            return ImageInfo(format: .webp, width: width, height: height, hasAlpha: b[20] & 0x10 != 0)
        }
        if chunk.elementsEqual("VP8L".utf8), b[20] == 0x2F {
            let bits = UInt32(b[21]) | UInt32(b[22]) << 8 | UInt32(b[23]) << 16 | UInt32(b[24]) << 24
            let width = Int(bits & 0x3FFF) + 1
            let height = Int((bits >> 14) & 0x3FFF) + 1
            return ImageInfo(format: .webp, width: width, height: height, hasAlpha: (bits >> 28) & 1 == 1)
        }
        if chunk.elementsEqual("VP8 ".utf8), b[23] == 0x9D, b[24] == 0x01, b[25] == 0x2A {
            let width = (Int(b[26]) | Int(b[27]) << 8) & 0x3FFF
            let height = (Int(b[28]) | Int(b[29]) << 8) & 0x3FFF
            // Unlike VP8X and VP8L, which store the size less one, VP8 can say 0: no image, and
            // the metadata writer's VP8X header (width - 1) would trap on it.
            guard width > 0, height > 0 else { return nil }
            return ImageInfo(format: .webp, width: width, height: height, hasAlpha: false)
        }
        return nil
    }

    private static func gif(_ b: [UInt8]) -> ImageInfo? {
        guard let gif = GIFStructure(bytes: b), gif.width > 0, gif.height > 0 else { return nil }
        return ImageInfo(format: .gif, width: gif.width, height: gif.height, hasAlpha: gif.hasTransparency)
    }

    private static func svg(_ b: [UInt8]) -> ImageInfo? {
        // A file read only in part (its first megabyte) has no end tag yet: its root's start tag,
        // which holds the size, is enough here.
        guard let svg = SVGDocument(bytes: b) ?? SVGDocument(rootOf: b) else { return nil }
        return ImageInfo(format: .svg, width: svg.width, height: svg.height, hasAlpha: true)
    }
}

extension [UInt8] {
    /// The big-endian 32-bit number at `offset`.
    func bigEndianUInt32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8 | UInt32(self[offset + 3])
    }

    /// Appends `value` as four big-endian bytes.
    mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)])
    }

    /// Appends `value` as four little-endian bytes.
    mutating func appendLittleEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)])
    }
}
