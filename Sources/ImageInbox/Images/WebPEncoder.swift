/// Writes a lossless (VP8L) WebP of one colour.
///
/// Each of the five prefix codes holds a single symbol, so every pixel takes zero bits: a valid
/// WebP of any size in a few dozen bytes, which is what a placeholder needs.
package enum WebPEncoder {
    /// Encodes a `width` x `height` image filled with (`r`, `g`, `b`, `a`).
    package static func encodeSolid(width: Int, height: Int, r: UInt8, g: UInt8, b: UInt8, a: UInt8 = 255) -> [UInt8] {
        precondition((1...16384).contains(width) && (1...16384).contains(height))
        var bits = LSBBitWriter()
        bits.write(0x2F, count: 8)
        bits.write(width - 1, count: 14)
        bits.write(height - 1, count: 14)
        bits.write(a == 255 ? 0 : 1, count: 1)
        bits.write(0, count: 3)  // version
        bits.write(0, count: 1)  // no transform
        bits.write(0, count: 1)  // no colour cache
        bits.write(0, count: 1)  // no meta prefix codes
        for symbol in [Int(g), Int(r), Int(b), Int(a), 0] {
            bits.write(1, count: 1)  // simple code
            bits.write(0, count: 1)  // one symbol
            bits.write(1, count: 1)  // eight-bit symbol
            bits.write(symbol, count: 8)
        }
        var payload = bits.finish()
        let chunkSize = payload.count
        if payload.count % 2 == 1 { payload.append(0) }
        var out = Array("RIFF".utf8)
        out.appendLittleEndian(UInt32(4 + 8 + payload.count))
        out += Array("WEBPVP8L".utf8)
        out.appendLittleEndian(UInt32(chunkSize))
        return out + payload
    }

    /// Packs bits least-significant first, as VP8L reads them.
    private struct LSBBitWriter {
        private var bytes: [UInt8] = []
        private var accumulator = 0
        private var used = 0

        mutating func write(_ value: Int, count: Int) {
            for bit in 0..<count {
                accumulator |= ((value >> bit) & 1) << used
                used += 1
                if used == 8 {
                    bytes.append(UInt8(accumulator))
                    accumulator = 0
                    used = 0
                }
            }
        }

        mutating func finish() -> [UInt8] {
            if used > 0 { bytes.append(UInt8(accumulator)) }
            return bytes
        }
    }
}
