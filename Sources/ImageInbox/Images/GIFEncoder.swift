/// Writes a GIF of two-colour frames, animated when there are several: the dry run's and the
/// test stub's answers to `format: gif`.
///
/// Each frame is a full-size image compressed with GIF's variable-length LZW, with a graphic
/// control extension for its duration; several frames loop forever (the `NETSCAPE2.0`
/// application extension browsers read).
package enum GIFEncoder {
    /// Encodes `frames`, each `width` x `height` palette indices (0 or 1), row by row.
    ///
    /// - Parameters:
    ///   - palette: The two colours, as red, green, blue.
    ///   - frameDurationMilliseconds: How long each frame shows (GIF counts hundredths of a second).
    ///   - transparentIndex: The palette index shown as transparent, if any.
    package static func encode(
        width: Int,
        height: Int,
        palette: [(UInt8, UInt8, UInt8)],
        frames: [[UInt8]],
        frameDurationMilliseconds: Int = 200,
        transparentIndex: UInt8? = nil
    ) -> [UInt8] {
        precondition((1...65535).contains(width) && (1...65535).contains(height) && palette.count == 2 && !frames.isEmpty)
        var out = Array("GIF89a".utf8)
        out += littleEndian16(width)
        out += littleEndian16(height)
        // A global colour table of 2^(0 + 1) entries, one bit of colour resolution.
        out += [0x80, 0, 0] as [UInt8]
        for (red, green, blue) in palette { out += [red, green, blue] }
        if frames.count > 1 {
            out += [0x21, 0xFF, 0x0B] as [UInt8]
            out += Array("NETSCAPE2.0".utf8)
            out += [0x03, 0x01, 0x00, 0x00, 0x00] as [UInt8]
        }
        let delay = max(0, min(65535, frameDurationMilliseconds / 10))
        // Frames with a transparent colour restore the background (disposal 2), or each would
        // show through the next; others are left in place (disposal 1).
        let control: UInt8 = transparentIndex == nil ? 1 << 2 : 2 << 2 | 1
        for pixels in frames {
            precondition(pixels.count == width * height)
            out += [0x21, 0xF9, 0x04, control] as [UInt8]
            out += littleEndian16(delay)
            out += [transparentIndex ?? 0, 0] as [UInt8]
            out += [0x2C, 0, 0, 0, 0] as [UInt8]
            out += littleEndian16(width)
            out += littleEndian16(height)
            out.append(0)
            out.append(minimumCodeSize)
            let data = compress(pixels)
            var start = 0
            while start < data.count {
                let end = min(data.count, start + 255)
                out.append(UInt8(end - start))
                out += data[start..<end]
                start = end
            }
            out.append(0)
        }
        out.append(0x3B)
        return out
    }

    /// GIF's smallest LZW code size, enough for a palette of two.
    private static let minimumCodeSize: UInt8 = 2

    /// GIF's LZW: codes of 3 to 12 bits, least significant bit first, starting with a clear
    /// code and starting over with one when the table of 4,096 codes is full.
    private static func compress(_ pixels: [UInt8]) -> [UInt8] {
        let alphabet = 1 << Int(minimumCodeSize)
        let clear = alphabet
        let end = clear + 1
        var codeSize = Int(minimumCodeSize) + 1
        var nextCode = end + 1
        // The code of each string already seen, by the code of its prefix and its last index.
        var table = [Int16](repeating: -1, count: 4096 * alphabet)
        var bits = CodeWriter()
        bits.write(clear, size: codeSize)
        guard var prefix = pixels.first.map({ Int($0) }) else {
            bits.write(end, size: codeSize)
            return bits.finish()
        }
        for pixel in pixels.dropFirst() {
            let slot = prefix * alphabet + Int(pixel)
            if table[slot] >= 0 {
                prefix = Int(table[slot])
                continue
            }
            bits.write(prefix, size: codeSize)
            if nextCode == 4096 {
                bits.write(clear, size: codeSize)
                for index in table.indices { table[index] = -1 }
                codeSize = Int(minimumCodeSize) + 1
                nextCode = end + 1
            } else {
                // The decoder, one code behind, widens its codes when its table reaches this size.
                if nextCode >= 1 << codeSize { codeSize += 1 }
                table[slot] = Int16(nextCode)
                nextCode += 1
            }
            prefix = Int(pixel)
        }
        bits.write(prefix, size: codeSize)
        bits.write(end, size: codeSize)
        return bits.finish()
    }

    private static func littleEndian16(_ value: Int) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)]
    }

    /// Packs codes into bytes, least significant bit first.
    private struct CodeWriter {
        private var bytes: [UInt8] = []
        private var accumulator = 0
        private var used = 0

        mutating func write(_ code: Int, size: Int) {
            accumulator |= code << used
            used += size
            while used >= 8 {
                bytes.append(UInt8(accumulator & 0xFF))
                accumulator >>= 8
                used -= 8
            }
        }

        mutating func finish() -> [UInt8] {
            if used > 0 { bytes.append(UInt8(accumulator & 0xFF)) }
            return bytes
        }
    }
}
