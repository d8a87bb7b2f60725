/// The block structure of a GIF file, walked without decoding a pixel: its logical screen,
/// where its blocks begin, its frames, comments and trailer.
///
/// The walk stops at the trailer (`0x3B`), at a byte that starts no block, or where the bytes
/// run out; what it found up to there is kept, so that the header of a file read only in part
/// still gives its size.
package struct GIFStructure: Sendable, Equatable {
    /// The logical screen's width in pixels.
    package var width: Int
    /// The logical screen's height in pixels.
    package var height: Int
    /// Where the blocks begin: just past the global colour table, or past the logical screen
    /// descriptor when there is none. An extension inserted here comes before every frame.
    package var blocksStart: Int
    /// The image descriptors found: the frames of an animation.
    package var frameCount = 0
    /// The data of each comment extension, its sub-blocks joined, in file order.
    package var comments: [[UInt8]] = []
    /// Whether a graphic control extension marks a colour as transparent.
    package var hasTransparency = false
    /// Whether the walk ended at the trailer and the trailer is the file's last byte.
    package var endsWithTrailer = false

    /// Walks the blocks of `bytes`.
    ///
    /// - Returns: nil when the bytes do not start with a GIF header and a whole logical screen
    ///   descriptor and global colour table.
    package init?(bytes: [UInt8]) {
        guard bytes.count >= 13, bytes.starts(with: Array("GIF87a".utf8)) || bytes.starts(with: Array("GIF89a".utf8)) else { return nil }
        width = Int(bytes[6]) | Int(bytes[7]) << 8
        height = Int(bytes[8]) | Int(bytes[9]) << 8
        var offset = 13 + Self.colorTableLength(bytes[10])
        guard offset <= bytes.count else { return nil }
        blocksStart = offset
        walk: while offset < bytes.count {
            switch bytes[offset] {
            case 0x3B:
                endsWithTrailer = offset == bytes.count - 1
                break walk
            case 0x21:
                guard offset + 1 < bytes.count else { break walk }
                let label = bytes[offset + 1]
                // Only comments and graphic controls are read; the rest is stepped over.
                    guard let run = Self.subBlocks(in: bytes, from: offset + 2, keeping: label == 0xFE || label == 0xF9) else { break walk }
                if label == 0xFE { comments.append(run.data) }
                if label == 0xF9, run.data.count >= 4, run.data[0] & 0x01 != 0 { hasTransparency = true }
                offset = run.end
            case 0x2C:
                guard offset + 10 <= bytes.count else { break walk }
                // The descriptor, its local colour table, and the LZW minimum code size.
                let start = offset + 10 + Self.colorTableLength(bytes[offset + 9]) + 1
                guard start <= bytes.count, let run = Self.subBlocks(in: bytes, from: start, keeping: false) else { break walk }
                frameCount += 1
                offset = run.end
            default:
                break walk
            }
        }
    }

    /// The length in bytes of the colour table a packed field (of the logical screen or of an
    /// image descriptor) announces: none without its flag, else 3 × 2^(size + 1).
    private static func colorTableLength(_ packed: UInt8) -> Int {
        packed & 0x80 == 0 ? 0 : 3 << (Int(packed & 0x07) + 1)
    }

    /// Steps over a run of data sub-blocks (a length byte, that many bytes, …, a zero byte).
    ///
    /// - Returns: Where the run ends (past its terminator) and, when `keeping`, its data joined;
    ///   nil when the bytes run out first.
    private static func subBlocks(in bytes: [UInt8], from start: Int, keeping: Bool) -> (end: Int, data: [UInt8])? {
        var offset = start
        var data: [UInt8] = []
        while offset < bytes.count {
            let length = Int(bytes[offset])
            if length == 0 { return (offset + 1, data) }
            guard offset + 1 + length <= bytes.count else { return nil }
            if keeping { data += bytes[(offset + 1)..<(offset + 1 + length)] }
            offset += 1 + length
        }
        return nil
    }
}
