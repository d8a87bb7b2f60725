/// An image file format the images API reads and writes.
package enum ImageFormat: String, Sendable, Codable, CaseIterable {
    case png
    case jpeg
    case webp
    /// An animated GIF (2–16 frames), from the models that make one.
    case gif
    /// An SVG document, from the models that draw one.
    case svg

    /// Parses a format name as people write it (`png`, `jpeg`, `jpg`, `webp`, `gif`, `svg`, any case).
    package init?(name: String) {
        switch name.lowercased() {
        case "png": self = .png
        case "jpeg", "jpg": self = .jpeg
        case "webp": self = .webp
        case "gif": self = .gif
        case "svg": self = .svg
        default: return nil
        }
    }

    /// How far into a file the root element of an SVG is looked for: past a long comment or
    /// doctype at its top, it is not taken for one.
    private static let svgSniffLength = 64 * 1024

    /// Recognises a format by its leading magic bytes, whatever the file is called; an SVG by its
    /// text, whose XML root element is `svg`.
    package init?(sniffing bytes: some Collection<UInt8>) {
        let head = Array(bytes.prefix(12))
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if head.starts(with: [0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if head.count == 12, head.starts(with: Array("RIFF".utf8)), Array(head[8..<12]) == Array("WEBP".utf8) {
            self = .webp
        } else if head.starts(with: Array("GIF87a".utf8)) || head.starts(with: Array("GIF89a".utf8)) {
            self = .gif
        } else if Self.mayBeXML(head), SVGDocument.hasSVGRoot(Array(bytes.prefix(Self.svgSniffLength))) {
            self = .svg
        } else {
            return nil
        }
    }

    /// Whether a file can be XML text: its first byte after a UTF-8 byte order mark and white
    /// space is `<`. Binary formats are told apart here without copying more of them.
    private static func mayBeXML(_ head: [UInt8]) -> Bool {
        let text = head.starts(with: [0xEF, 0xBB, 0xBF]) ? head.dropFirst(3) : head[...]
        let first = text.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        return first == UInt8(ascii: "<") || (first == nil && !head.isEmpty)
    }

    /// Whether `bytes` are a whole image of this format, not one cut short: a PNG ends with its
    /// `IEND` chunk, a JPEG with its end-of-image marker, a WebP is as long as its RIFF header says,
    /// a GIF's blocks end with its trailer, an SVG's root element is closed.
    package func isWhole(_ bytes: [UInt8]) -> Bool {
        switch self {
        case .png:
            return bytes.count > 20 && bytes.suffix(12).elementsEqual([0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
        case .jpeg:
            // Some encoders pad after the marker; it is within the last few bytes.
            return bytes.count > 4 && bytes.suffix(32).indices.contains { index in
                index + 1 < bytes.count && bytes[index] == 0xFF && bytes[index + 1] == 0xD9
            }
        case .webp:
            guard bytes.count >= 12 else { return false }
            let declared = Int(bytes[4]) | Int(bytes[5]) << 8 | Int(bytes[6]) << 16 | Int(bytes[7]) << 24
            return declared + 8 == bytes.count
        case .gif:
            return GIFStructure(bytes: bytes)?.endsWithTrailer == true
        case .svg:
            return SVGDocument(bytes: bytes) != nil
        }
    }

    /// The file name extension results get: `png`, `jpg`, `webp`, `gif`, `svg`.
    package var fileExtension: String {
        switch self {
        case .png: "png"
        case .jpeg: "jpg"
        case .webp: "webp"
        case .gif: "gif"
        case .svg: "svg"
        }
    }

    /// The MIME type, as sent in multipart parts and served by the stub.
    package var mimeType: String {
        self == .svg ? "image/svg+xml" : "image/\(rawValue)"
    }

    /// Whether the format can carry an alpha channel (a transparent background).
    package var supportsTransparency: Bool {
        self != .jpeg
    }
}
