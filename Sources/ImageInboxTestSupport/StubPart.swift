import Foundation

/// One part of a `multipart/form-data` request the stub received.
package struct StubPart: Sendable, Equatable {
    /// The form field's name (`image`, `image[]`, `mask`, `prompt`, …).
    package var name: String
    /// The file name, for file parts.
    package var filename: String?
    /// The part's `Content-Type`, for file parts.
    package var contentType: String?
    /// The part's bytes.
    package var bytes: [UInt8]

    /// The part's bytes as text (for fields).
    package var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Splits a multipart body at `boundary`; nil when it is not well formed.
    package static func parse(_ body: [UInt8], boundary: String) -> [StubPart]? {
        let delimiter = Array("--\(boundary)".utf8)
        guard body.starts(with: delimiter) else { return nil }
        var parts: [StubPart] = []
        var rest = body[delimiter.count...]
        while true {
            if rest.starts(with: Array("--".utf8)) { return parts }
            guard rest.starts(with: [13, 10]) else { return nil }
            rest = rest.dropFirst(2)
            guard let headerEnd = rest.firstRange(of: [13, 10, 13, 10]) else { return nil }
            let headers = String(decoding: rest[..<headerEnd.lowerBound], as: UTF8.self)
            let content = rest[headerEnd.upperBound...]
            guard let next = content.firstRange(of: [13, 10] + delimiter) else { return nil }
            var part = StubPart(name: "", filename: nil, contentType: nil, bytes: Array(content[..<next.lowerBound]))
            for line in headers.split(separator: "\r\n") {
                let lower = line.lowercased()
                if lower.hasPrefix("content-type:") {
                    part.contentType = line.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces)
                } else if lower.hasPrefix("content-disposition:") {
                    part.name = Self.attribute("name", in: String(line)) ?? ""
                    part.filename = Self.attribute("filename", in: String(line))
                }
            }
            parts.append(part)
            rest = content[next.upperBound...]
        }
    }

    private static func attribute(_ key: String, in header: String) -> String? {
        for piece in header.split(separator: ";") {
            let trimmed = piece.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix(key + "=\"") , trimmed.hasSuffix("\"") else { continue }
            return String(trimmed.dropFirst(key.count + 2).dropLast())
        }
        return nil
    }
}
