/// Real images of any size and format, made locally: the dry-run renderer's output and the test
/// stub's answers.
///
/// The picture is a diagonal gradient with stripes whose colours follow `seed`, so different
/// prompts give visibly different placeholders.
package enum PlaceholderImage {
    /// Renders a `width` x `height` image in `format`.
    ///
    /// - Parameters:
    ///   - seed: Picks the colours (for example a hash of the prompt).
    ///   - transparent: Whether the background is transparent (PNG and WebP only).
    package static func render(width: Int, height: Int, format: ImageFormat, seed: UInt64, transparent: Bool = false) -> [UInt8] {
        let start = color(seed)
        let end = color(seed >> 24 ^ 0x9E37_79B9)
        switch format {
        case .png:
            let channels = transparent ? 4 : 3
            var pixels = [UInt8](repeating: 0, count: width * height * channels)
            let span = max(1, width + height - 2)
            pixels.withUnsafeMutableBufferPointer { buffer in
                for y in 0..<height {
                    for x in 0..<width {
                        let t = (x + y) * 255 / span
                        let stripe = ((x + y) / 48) % 2 == 0
                        let base = (y * width + x) * channels
                        buffer[base] = mix(start.0, end.0, t, darker: stripe)
                        buffer[base + 1] = mix(start.1, end.1, t, darker: stripe)
                        buffer[base + 2] = mix(start.2, end.2, t, darker: stripe)
                        if transparent { buffer[base + 3] = stripe ? 255 : 0 }
                    }
                }
            }
            return PNGEncoder.encode(width: width, height: height, channels: channels, pixels: pixels)
        case .jpeg:
            let span = max(1, (width + height) / 8)
            return JPEGEncoder.encode(width: width, height: height) { column, row in
                let t = (column + row) * 255 / span
                let stripe = ((column + row) / 6) % 2 == 0
                return (mix(start.0, end.0, t, darker: stripe), mix(start.1, end.1, t, darker: stripe), mix(start.2, end.2, t, darker: stripe))
            }
        case .webp:
            return WebPEncoder.encodeSolid(width: width, height: height, r: start.0, g: start.1, b: start.2, a: transparent ? 0 : 255)
        }
    }

    private static func color(_ seed: UInt64) -> (UInt8, UInt8, UInt8) {
        var value = seed &* 0x2545_F491_4F6C_DD1D
        value ^= value >> 29
        return (UInt8(64 + value & 0x7F), UInt8(64 + (value >> 8) & 0x7F), UInt8(64 + (value >> 16) & 0x7F))
    }

    private static func mix(_ a: UInt8, _ b: UInt8, _ t: Int, darker: Bool) -> UInt8 {
        let value = (Int(a) * (255 - t) + Int(b) * t) / 255
        return UInt8(darker ? value * 3 / 4 : value)
    }
}
