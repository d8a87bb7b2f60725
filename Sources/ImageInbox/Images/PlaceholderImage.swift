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
    ///   - transparent: Whether the background is transparent (all but JPEG).
    ///   - frames: A GIF's frames, its stripes moving from one to the next; other formats have one.
    ///   - frameDurationMilliseconds: How long each of a GIF's frames shows.
    package static func render(
        width: Int,
        height: Int,
        format: ImageFormat,
        seed: UInt64,
        transparent: Bool = false,
        frames: Int = 1,
        frameDurationMilliseconds: Int = 200
    ) -> [UInt8] {
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
        case .gif:
            let count = max(1, frames)
            let images = (0..<count).map { frame in
                stripes(width: width, height: height, shift: frame * 96 / count)
            }
            let darker = (mix(start.0, start.0, 0, darker: true), mix(start.1, start.1, 0, darker: true), mix(start.2, start.2, 0, darker: true))
            return GIFEncoder.encode(
                width: width, height: height, palette: [start, darker], frames: images,
                frameDurationMilliseconds: frameDurationMilliseconds, transparentIndex: transparent ? 0 : nil
            )
        case .svg:
            return svg(width: width, height: height, start: start, end: end, transparent: transparent)
        }
    }

    /// Palette indices of diagonal stripes 48 pixels wide, moved along by `shift` pixels.
    private static func stripes(width: Int, height: Int, shift: Int) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: width * height)
        pixels.withUnsafeMutableBufferPointer { buffer in
            for y in 0..<height {
                for x in 0..<width where ((x + y + shift) / 48) % 2 == 0 {
                    buffer[y * width + x] = 1
                }
            }
        }
        return pixels
    }

    /// A gradient, and a disc in the darker stripe colour, as an SVG document.
    private static func svg(width: Int, height: Int, start: (UInt8, UInt8, UInt8), end: (UInt8, UInt8, UInt8), transparent: Bool) -> [UInt8] {
        func hex(_ color: (UInt8, UInt8, UInt8)) -> String {
            var text = "#"
            for byte in [color.0, color.1, color.2] {
                text += String(byte >> 4, radix: 16)
                text += String(byte & 0x0F, radix: 16)
            }
            return text
        }
        let disc = (mix(end.0, end.0, 0, darker: true), mix(end.1, end.1, 0, darker: true), mix(end.2, end.2, 0, darker: true))
        let background = transparent ? "" : "\n  <rect width=\"\(width)\" height=\"\(height)\" fill=\"url(#fill)\"/>"
        let text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)">
              <defs>
                <linearGradient id="fill" x1="0" y1="0" x2="1" y2="1">
                  <stop offset="0" stop-color="\(hex(start))"/>
                  <stop offset="1" stop-color="\(hex(end))"/>
                </linearGradient>
              </defs>\(background)
              <circle cx="\(width / 2)" cy="\(height / 2)" r="\(min(width, height) / 3)" fill="\(hex(disc))"/>
            </svg>

            """
        return Array(text.utf8)
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
