import Foundation
import RawFileNames

/// Generation parameters carried inside a result image, so that no sidecar clutters the share.
///
/// PNG gets one `iTXt` chunk per entry (UTF-8), JPEG one or more `COM` segments, WebP an
/// `XMP ` chunk (converting a simple WebP to the extended format to hold it), GIF a comment
/// extension, SVG a `<metadata>` element.
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
    /// A GIF or SVG is checked whole first, as it is the last look at a result before it is
    /// written: see ``embedGIF(_:)`` and ``embedSVG(_:)``.
    ///
    /// - Throws: ``ImageInboxError`` `invalidResponse` when the image's structure cannot be parsed,
    ///   or it is an SVG that holds a script.
    package func embed(into image: [UInt8]) throws(ImageInboxError) -> [UInt8] {
        switch ImageFormat(sniffing: image) {
        case .png?: return try embedPNG(image)
        case .jpeg?: return embedJPEG(image)
        case .webp?: return try embedWebP(image)
        case .gif?: return try embedGIF(image)
        case .svg?: return try embedSVG(image)
        case nil:
            throw ImageInboxError(code: .invalidResponse, message: "The result is not a PNG, JPEG, WebP, GIF or SVG image.")
        }
    }

    /// The entries as lines of text, `key: value`, as JPEG and GIF comments carry them.
    var commentText: String {
        entries.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
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
            // A length that runs past the end (or below its own two bytes) ends the walk: the
            // comment then goes there, inside the file, never past it.
            let length = Int(image[offset + 2]) << 8 | Int(image[offset + 3])
            guard length >= 2, offset + 2 + length <= image.count else { break }
            offset += 2 + length
        }
        let text = Array(commentText.utf8)
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
        "<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?><x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\(rdf)</x:xmpmeta><?xpacket end=\"w\"?>"
    }

    /// The entries as RDF, in WebP's XMP packet and an SVG's `<metadata>`: the prompt as
    /// `dc:description`, then one `imageinbox:KEY` element per entry.
    var rdf: String {
        let fields = entries.map { "<imageinbox:\(xmlName($0.key))>\(xmlEscape($0.value))</imageinbox:\(xmlName($0.key))>" }
        let description = self["prompt"].map {
            "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">\(xmlEscape($0))</rdf:li></rdf:Alt></dc:description>"
        } ?? ""
        return """
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\
            <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" \
            xmlns:imageinbox="https://image-inbox.invalid/ns/1.0/">\(description)\(fields.joined())</rdf:Description>\
            </rdf:RDF>
            """
    }

    private func xmlName(_ key: String) -> String {
        String(key.map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    /// `text` as XML character data: `&`, `<`, `>` and `"` as references, and the control
    /// characters XML 1.0 has no place for (a prompt may hold a form feed) as U+FFFD, since one
    /// of them would leave an SVG that no browser shows.
    private func xmlEscape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: escaped += "\u{FFFD}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
