import ImageInbox
import Testing

struct GIFStructureTests {
    /// A GIF87a of 3 x 2 pixels with no global colour table: one frame with a local table.
    static let plain87a: [UInt8] = {
        var bytes = Array("GIF87a".utf8)
        bytes += [3, 0, 2, 0, 0x00, 0, 0] as [UInt8]
        bytes += [0x2C, 0, 0, 0, 0, 3, 0, 2, 0, 0x80, 0, 0, 0, 255, 255, 255] as [UInt8]
        bytes += [0x02, 0x02, 0x44, 0x01, 0x00, 0x3B] as [UInt8]
        return bytes
    }()

    @Test func gifsAreSniffedByTheirHeader() {
        #expect(ImageFormat(sniffing: Array("GIF89a".utf8) + [1, 0, 1, 0]) == .gif)
        #expect(ImageFormat(sniffing: Self.plain87a) == .gif)
        #expect(ImageFormat(sniffing: Array("GIF88a".utf8) + [1, 0, 1, 0]) == nil)
        #expect(ImageFormat(name: "GIF") == .gif)
        #expect(ImageFormat.gif.mimeType == "image/gif" && ImageFormat.gif.fileExtension == "gif" && ImageFormat.gif.supportsTransparency)
    }

    @Test func theEncodersFramesAreImageDescriptorsBeforeTheTrailer() throws {
        let bytes = PlaceholderImage.render(width: 64, height: 40, format: .gif, seed: 7, frames: 4, frameDurationMilliseconds: 120)
        let gif = try #require(GIFStructure(bytes: bytes))
        #expect(gif.width == 64 && gif.height == 40)
        #expect(gif.frameCount == 4)
        #expect(gif.endsWithTrailer)
        #expect(gif.blocksStart == 13 + 6, "a global colour table of two colours")
        let info = try #require(ImageInfo(bytes: bytes))
        #expect(info.format == .gif && info.width == 64 && info.height == 40 && !info.hasAlpha)
        #expect(ImageInfo(bytes: PlaceholderImage.render(width: 8, height: 8, format: .gif, seed: 1, transparent: true))?.hasAlpha == true)
    }

    @Test func aGIFCutShortOrWithBytesAfterItsTrailerIsNotWhole() {
        let bytes = PlaceholderImage.render(width: 32, height: 32, format: .gif, seed: 2, frames: 3)
        #expect(ImageFormat.gif.isWhole(bytes))
        #expect(!ImageFormat.gif.isWhole(Array(bytes.dropLast())))
        #expect(!ImageFormat.gif.isWhole(bytes + [0]))
        #expect(GIFStructure(bytes: Array(bytes.prefix(15))) == nil, "the colour table is cut")
        #expect(GIFStructure(bytes: Array(bytes.prefix(bytes.count / 2)))?.width == 32, "a header read in part still gives the size")
    }

    @Test func theProvenanceCommentFollowsTheColourTableAndReadsBack() throws {
        let bytes = PlaceholderImage.render(width: 16, height: 16, format: .gif, seed: 3, frames: 2)
        let prompt = String(repeating: "A long prompt that needs several sub-blocks. ", count: 12)
        let metadata = ImageMetadata([("prompt", prompt), ("model", "gpt-image-2.6-flare"), ("job", "abcdef123456")])
        let embedded = try metadata.embed(into: bytes)
        let gif = try #require(GIFStructure(bytes: embedded))
        #expect(Array(embedded[gif.blocksStart..<(gif.blocksStart + 3)]) == [0x21, 0xFE, 255], "a comment's first sub-block is full")
        #expect(gif.frameCount == 2 && gif.endsWithTrailer && gif.comments.count == 1)
        #expect(ImageMetadata(readingFrom: embedded) == metadata)
        #expect(OutputRecovery.embeddedJob(in: embedded) == "abcdef123456")
    }

    @Test func aGIFWithoutAGlobalColourTableGetsItsCommentAfterTheScreenDescriptor() throws {
        let embedded = try ImageMetadata([("job", "abc")]).embed(into: Self.plain87a)
        #expect(embedded.starts(with: Array("GIF89a".utf8)), "comments are a GIF89a extension")
        #expect(Array(embedded[13..<16]) == [0x21, 0xFE, 8])
        #expect(GIFStructure(bytes: embedded)?.frameCount == 1)
        #expect(ImageMetadata(readingFrom: embedded)["job"] == "abc")
    }

    @Test func aGIFCutShortIsNotWritten() {
        let bytes = PlaceholderImage.render(width: 16, height: 16, format: .gif, seed: 4)
        #expect(throws: ImageInboxError(code: .invalidResponse, message: "")) {
            try ImageMetadata([("job", "abc")]).embed(into: Array(bytes.dropLast()))
        }
    }
}
