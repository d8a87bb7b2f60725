/// An image file format the images API reads and writes.
package enum ImageFormat: String, Sendable, Codable, CaseIterable {
    case png
    case jpeg
    case webp

    /// Parses a format name as people write it (`png`, `jpeg`, `jpg`, `webp`, any case).
    package init?(name: String) {
        switch name.lowercased() {
        case "png": self = .png
        case "jpeg", "jpg": self = .jpeg
        case "webp": self = .webp
        default: return nil
        }
    }

    /// Recognises a format by its leading magic bytes, whatever the file is called.
    package init?(sniffing bytes: some Collection<UInt8>) {
        let head = Array(bytes.prefix(12))
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if head.starts(with: [0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if head.count == 12, head.starts(with: Array("RIFF".utf8)), Array(head[8..<12]) == Array("WEBP".utf8) {
            self = .webp
        } else {
            return nil
        }
    }

    /// The file name extension results get: `png`, `jpg`, `webp`.
    package var fileExtension: String {
        switch self {
        case .png: "png"
        case .jpeg: "jpg"
        case .webp: "webp"
        }
    }

    /// The MIME type, as sent in multipart parts and served by the stub.
    package var mimeType: String {
        "image/\(rawValue)"
    }

    /// Whether the format can carry an alpha channel (a transparent background).
    package var supportsTransparency: Bool {
        self != .jpeg
    }
}
