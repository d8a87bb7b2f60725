/// Writes a baseline JPEG whose 8x8 blocks are each one flat colour.
///
/// Only DC coefficients are coded (every AC run ends at once), which is all a placeholder needs
/// and keeps the encoder small; any JPEG decoder reads the result.
package enum JPEGEncoder {
    /// Encodes an image whose block at (`column`, `row`) (in 8x8 blocks) has the colour `color(column, row)`.
    package static func encode(width: Int, height: Int, color: (_ column: Int, _ row: Int) -> (UInt8, UInt8, UInt8)) -> [UInt8] {
        var out: [UInt8] = [0xFF, 0xD8]
        out += segment(0xE0, Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0])
        out += segment(0xDB, [0x00] + [UInt8](repeating: 1, count: 64))  // all-ones quantisation
        var frame: [UInt8] = [8, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 3]
        for component in 1...3 { frame += [UInt8(component), 0x11, 0] }
        out += segment(0xC0, frame)
        out += segment(0xC4, [0x00] + dcLengths + dcValues + [0x10] + [1] + [UInt8](repeating: 0, count: 15) + [0x00])
        out += segment(0xDA, [3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0])

        var bits = BitWriter()
        var previous = [0, 0, 0]
        for row in 0..<((height + 7) / 8) {
            for column in 0..<((width + 7) / 8) {
                let (r, g, b) = color(column, row)
                let (y, cb, cr) = ycbcr(r, g, b)
                for (index, value) in [y, cb, cr].enumerated() {
                    let dc = (value - 128) * 8
                    let difference = dc - previous[index]
                    previous[index] = dc
                    let category = difference == 0 ? 0 : Int.bitWidth - abs(difference).leadingZeroBitCount
                    let (code, length) = dcCodes[category]
                    bits.write(code, count: length)
                    if category > 0 {
                        bits.write(difference > 0 ? difference : difference - 1 + (1 << category), count: category)
                    }
                    bits.write(0, count: 1)  // end of block: the only AC symbol, code "0"
                }
            }
        }
        out += bits.finish()
        out += [0xFF, 0xD9]
        return out
    }

    private static func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let length = payload.count + 2
        return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    private static func ycbcr(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> (Int, Int, Int) {
        let (r, g, b) = (Double(r), Double(g), Double(b))
        let y = 0.299 * r + 0.587 * g + 0.114 * b
        let cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
        let cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b
        return (Int(y.rounded()), Int(cb.rounded()), Int(cr.rounded()))
    }

    // The standard luminance DC table (ITU T.81 Annex K.3).
    private static let dcLengths: [UInt8] = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    private static let dcValues: [UInt8] = Array(0...11)

    /// Canonical Huffman codes for DC categories 0…11, from ``dcLengths``.
    private static let dcCodes: [(Int, Int)] = {
        var codes: [(Int, Int)] = []
        var code = 0
        for (index, count) in dcLengths.enumerated() {
            for _ in 0..<count { codes.append((code, index + 1)); code += 1 }
            code <<= 1
        }
        return codes
    }()

    /// Packs bits most-significant first, stuffing a zero byte after every 0xFF.
    private struct BitWriter {
        private var bytes: [UInt8] = []
        private var accumulator = 0
        private var used = 0

        mutating func write(_ value: Int, count: Int) {
            for shift in stride(from: count - 1, through: 0, by: -1) {
                accumulator = accumulator << 1 | (value >> shift) & 1
                used += 1
                if used == 8 { flushByte() }
            }
        }

        mutating func finish() -> [UInt8] {
            while used != 0 { write(1, count: 1) }
            return bytes
        }

        private mutating func flushByte() {
            bytes.append(UInt8(accumulator))
            if accumulator == 0xFF { bytes.append(0) }
            accumulator = 0
            used = 0
        }
    }
}
