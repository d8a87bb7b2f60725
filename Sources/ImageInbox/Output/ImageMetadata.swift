import Foundation
import RawFileNames

/// Generation parameters carried inside a result image, so that no sidecar clutters the share.
///
/// PNG gets one `iTXt` chunk per entry (UTF-8), JPEG one or more `COM` segments, WebP an
/// `XMP ` chunk (converting a simple WebP to the extended format to hold it).
package struct ImageMetadata: Sendable, Equatable {
    /// The entries, in order: `prompt`, `model`, `size`, …
    package var entries: [(key: String, value: String)]

    /// - Parameter entries: The entries; a file name's bytes that are not UTF-8 are kept as `\xE9`.
    package init(_ entries: [(key: String, value: String)]) {
        self.entries = entries.map { ($0.key, RawFileName.readable($0.value)) }
    }

    package static func == (lhs: ImageMetadata, rhs: ImageMetadata) -> Bool {
        lhs.entries.elementsEqual(rhs.entries) { $0.key == $1.key && $0.value == $1.value }
    }

    /// The value of `key`, if present.
    package subscript(key: String) -> String? {
        entries.first { $0.key == key }?.value
    }

    /// `image` with these entries embedded.
    ///
    /// - Throws: ``ImageInboxError`` `invalidResponse` when the image's structure cannot be parsed.
    package func embed(into image: [UInt8]) throws(ImageInboxError) -> [UInt8] {
        switch ImageFormat(sniffing: image) {
        case .png?: return try embedPNG(image)
        case .jpeg?: return embedJPEG(image)
        case .webp?: return try embedWebP(image)
        case nil:
            throw ImageInboxError(code: .invalidResponse, message: "The result is not a PNG, JPEG or WebP image.")
        }
    }

    private func embedPNG(_ image: [UInt8]) throws(ImageInboxError) -> [UInt8] {
        guard image.count > 33, image[12..<16].elementsEqual("IHDR".utf8) else {
            throw ImageInboxError(code: .invalidResponse, message: "The PNG result has no header chunk.")
        }
        var chunks: [UInt8] = []
        for (key, value) in entries {
            // keyword, null, compression flag and method, empty language tag and translated keyword.
            let data = Array(key.utf8.prefix(79)) + [0, 0, 0, 0, 0] + Array(value.utf8)
            chunks += PNGEncoder.chunk("iTXt", data)
        }
        return Array(image[..<33]) + chunks + Array(image[33...])
    }

    private func embedJPEG(_ image: [UInt8]) -> [UInt8] {
        // After SOI and any APPn segments, so that JFIF/Exif stay where readers look for them.
        var offset = 2
        while offset + 4 <= image.count, image[offset] == 0xFF, (0xE0...0xEF).contains(image[offset + 1]) {
            offset += 2 + (Int(image[offset + 2]) << 8 | Int(image[offset + 3]))
        }
        let text = Array(entries.map { "\($0.key): \($0.value)" }.joined(separator: "\n").utf8)
        var segments: [UInt8] = []
        var start = 0
        repeat {
            let piece = text[start..<min(text.count, start + 65_000)]
            let length = piece.count + 2
            segments += [0xFF, 0xFE, UInt8(length >> 8), UInt8(length & 0xFF)] + piece
            start += 65_000
        } while start < text.count
        return Array(image[..<offset]) + segments + Array(image[offset...])
    }

    private func embedWebP(_ image: [UInt8]) throws(ImageInboxError) -> [UInt8] {
        guard let info = ImageInfo(bytes: image) else {
            throw ImageInboxError(code: .invalidResponse, message: "The WebP result has no readable header.")
        }
        var body = Array(image[12...])
        if body.starts(with: Array("VP8X".utf8)) {
            body[8] |= 0x04
        } else {
            var extended = Array("VP8X".utf8)
            extended.appendLittleEndian(10)
            extended += [(info.hasAlpha ? 0x10 : 0) | 0x04, 0, 0, 0]
            extended += [UInt8((info.width - 1) & 0xFF), UInt8((info.width - 1) >> 8 & 0xFF), UInt8((info.width - 1) >> 16)]
            extended += [UInt8((info.height - 1) & 0xFF), UInt8((info.height - 1) >> 8 & 0xFF), UInt8((info.height - 1) >> 16)]
            body = extended + body
        }
        var xmp = Array(xmpPacket.utf8)
        let xmpSize = xmp.count
        if xmp.count % 2 == 1 { xmp.append(0) }
        body += Array("XMP ".utf8)
        body.appendLittleEndian(UInt32(xmpSize))
        body += xmp
        var out = Array("RIFF".utf8)
        out.appendLittleEndian(UInt32(4 + body.count))
        return out + Array("WEBP".utf8) + body
    }

    private var xmpPacket: String {
        let fields = entries.map { "<imageinbox:\(xmlName($0.key))>\(xmlEscape($0.value))</imageinbox:\(xmlName($0.key))>" }
        let description = self["prompt"].map {
            "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">\(xmlEscape($0))</rdf:li></rdf:Alt></dc:description>"
        } ?? ""
        return """
            <?xpacket begin="\u{FEFF}" id="W5M0MpCehiHzreSzNTczkc9d"?>\
            <x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\
            <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" \
            xmlns:imageinbox="https://image-inbox.invalid/ns/1.0/">\(description)\(fields.joined())</rdf:Description>\
            </rdf:RDF></x:xmpmeta><?xpacket end="w"?>
            """
    }

    private func xmlName(_ key: String) -> String {
        String(key.map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    private func xmlEscape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
