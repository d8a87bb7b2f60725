import Foundation

extension ImagesResponseBody {
    /// Decodes an answer, reading each image's base64 where it lies in `bytes`.
    ///
    /// JSONDecoder would scan every base64 string character by character into a `String` first:
    /// 4 ms and another copy for a 1.5 MB image. Here the values of the `"b64_json"` keys are
    /// cut out (found by their quotes, with `memchr`), the small rest is decoded as JSON, and
    /// each item gets its slice back. An answer this does not fit (an escape inside the base64,
    /// a `b64_json` outside the items, a `\u` escape anywhere else) is decoded whole, as before.
    package static func decode(_ bytes: [UInt8]) throws -> ImagesResponseBody {
        let values = base64Values(in: bytes)
        guard !values.isEmpty else { return try JSONDecoder().decode(Self.self, from: Data(bytes)) }
        var rest: [UInt8] = []
        rest.reserveCapacity(bytes.count - values.reduce(0) { $0 + $1.count })
        var kept = 0
        for value in values {
            rest += bytes[kept..<value.lowerBound]
            kept = value.upperBound
        }
        rest += bytes[kept...]
        // A key spelled with `\u` escapes (`"b64\u005fjson"`) is b64_json to JSONDecoder but not to
        // the scan: its value would be taken for the empty place of one cut out elsewhere.
        if zip(rest, rest.dropFirst()).contains(where: { $0 == UInt8(ascii: "\\") && $1 == UInt8(ascii: "u") }) {
            return try JSONDecoder().decode(Self.self, from: Data(bytes))
        }
        var body = try JSONDecoder().decode(Self.self, from: Data(rest))
        // Each value cut out must come back to an item whose b64_json is now empty, in order.
        let slots = (body.data ?? []).indices.filter { body.data?[$0].b64_json == "" }
        guard slots.count == values.count else { return try JSONDecoder().decode(Self.self, from: Data(bytes)) }
        for (slot, value) in zip(slots, values) {
            body.data?[slot].b64_json = nil
            body.data?[slot].base64InPlace = bytes[value]
        }
        return body
    }

    /// Where the string values of the `"b64_json"` keys lie, between their quotes; none when one
    /// holds a backslash (an escape, which only JSONDecoder reads right).
    static func base64Values(in bytes: [UInt8]) -> [Range<Int>] {
        let key = Array(#""b64_json""#.utf8)
        var values: [Range<Int>] = []
        bytes.withUnsafeBufferPointer { buffer in
            var position = 0
            while let quote = find(UInt8(ascii: "\""), in: buffer, from: position) {
                position = quote + 1
                // Every unescaped quote in JSON delimits a string, so an unescaped `"b64_json"`
                // followed by a colon is that key.
                guard !isEscaped(buffer, quote), buffer.count - quote >= key.count,
                    key.indices.allSatisfy({ buffer[quote + $0] == key[$0] })
                else { continue }
                var next = skipSpace(buffer, from: quote + key.count)
                guard next < buffer.count, buffer[next] == UInt8(ascii: ":") else { continue }
                next = skipSpace(buffer, from: next + 1)
                guard next < buffer.count, buffer[next] == UInt8(ascii: "\""),
                    let end = find(UInt8(ascii: "\""), in: buffer, from: next + 1)
                else { continue }
                if find(UInt8(ascii: "\\"), in: buffer, from: next + 1, before: end) != nil {
                    values = []
                    return
                }
                values.append((next + 1)..<end)
                position = end + 1
            }
        }
        return values
    }

    private static func find(_ byte: UInt8, in buffer: UnsafeBufferPointer<UInt8>, from start: Int, before end: Int? = nil) -> Int? {
        let limit = end ?? buffer.count
        guard start < limit, let base = buffer.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), limit - start) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// Whether the byte at `index` follows an odd number of backslashes.
    private static func isEscaped(_ buffer: UnsafeBufferPointer<UInt8>, _ index: Int) -> Bool {
        var backslashes = 0
        var before = index - 1
        while before >= 0, buffer[before] == UInt8(ascii: "\\") {
            backslashes += 1
            before -= 1
        }
        return backslashes % 2 == 1
    }

    private static func skipSpace(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        while index < buffer.count {
            switch buffer[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): index += 1
            default: return index
            }
        }
        return index
    }
}
