extension ImageMetadata {
    /// `image`, a GIF, with the entries as a comment extension right after the global colour
    /// table (after the logical screen descriptor when there is none), before every frame.
    ///
    /// The lines are those of a JPEG's comment (``commentText``), in sub-blocks of up to 255
    /// bytes. A GIF87a header becomes GIF89a, the version that has extensions.
    ///
    /// - Throws: ``ImageInboxError`` `invalidResponse` when the GIF is not whole: its blocks do
    ///   not end with the trailer (`0x3B`) as its last byte, or it holds no frame.
    func embedGIF(_ image: [UInt8]) throws(ImageInboxError) -> [UInt8] {
        guard let gif = GIFStructure(bytes: image), gif.endsWithTrailer, gif.frameCount > 0 else {
            var error = ImageInboxError(
                code: .invalidResponse,
                message: "The GIF the images API sent is cut short or malformed (its blocks do not end with the GIF trailer), "
                    + "so it was not written; the request was billed. Save the file again to have it made again, which is paid again."
            )
            error.shouldRetry = false
            throw error
        }
        var out = Array(image[..<gif.blocksStart])
        out.replaceSubrange(3..<6, with: Array("89a".utf8))
        out += Self.gifComment(Array(commentText.utf8))
        out += image[gif.blocksStart...]
        return out
    }

    /// A GIF comment extension holding `text`: its introducer and label, the text in sub-blocks
    /// of up to 255 bytes, and the block terminator.
    static func gifComment(_ text: [UInt8]) -> [UInt8] {
        var block: [UInt8] = [0x21, 0xFE]
        block.reserveCapacity(text.count + text.count / 255 + 4)
        var start = 0
        while start < text.count {
            let piece = text[start..<min(text.count, start + 255)]
            block.append(UInt8(piece.count))
            block += piece
            start += 255
        }
        block.append(0)
        return block
    }

    /// The entries of a GIF's comment extensions, read as a JPEG's comments are.
    static func gifEntries(_ image: [UInt8]) -> [(key: String, value: String)] {
        (GIFStructure(bytes: image)?.comments ?? []).flatMap { comment in
            entries(fromCommentText: String(decoding: comment, as: UTF8.self))
        }
    }
}
