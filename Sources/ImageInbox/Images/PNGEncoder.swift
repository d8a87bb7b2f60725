import CZlib

/// Writes RGB or RGBA pixels as a PNG file, and builds PNG chunks.
package enum PNGEncoder {
    /// Encodes `height` rows of `width` pixels, `channels` bytes each (3 = RGB, 4 = RGBA).
    package static func encode(width: Int, height: Int, channels: Int, pixels: [UInt8]) -> [UInt8] {
        precondition((channels == 3 || channels == 4) && pixels.count == width * height * channels)
        var raw = [UInt8]()
        raw.reserveCapacity((width * channels + 1) * height)
        let stride = width * channels
        for row in 0..<height {
            raw.append(0)  // filter type None
            raw.append(contentsOf: pixels[(row * stride)..<((row + 1) * stride)])
        }
        var header = [UInt8]()
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(height))
        header.append(contentsOf: [8, channels == 4 ? 6 : 2, 0, 0, 0])

        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        file += chunk("IHDR", header)
        file += chunk("IDAT", deflate(raw))
        file += chunk("IEND", [])
        return file
    }

    /// A PNG chunk: length, type, data and CRC.
    package static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.appendBigEndian(UInt32(data.count))
        let typed = Array(type.utf8) + data
        out += typed
        out.appendBigEndian(crc32(typed))
        return out
    }

    /// The CRC-32 PNG chunks end with.
    package static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, uInt($0.count))) }
    }

    /// zlib-compresses `bytes` (the format of a PNG's IDAT stream).
    package static func deflate(_ bytes: [UInt8]) -> [UInt8] {
        var length = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let status = out.withUnsafeMutableBufferPointer { target in
            bytes.withUnsafeBufferPointer { source in
                compress2(target.baseAddress, &length, source.baseAddress, uLong(source.count), 6)
            }
        }
        precondition(status == Z_OK, "compress2 failed with \(status)")
        return Array(out.prefix(Int(length)))
    }
}
