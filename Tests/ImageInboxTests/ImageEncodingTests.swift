import ImageInbox
import Testing

struct ImageEncodingTests {
    @Test(arguments: ImageFormat.allCases)
    func placeholdersHaveTheRequestedSizeAndFormat(format: ImageFormat) throws {
        let bytes = PlaceholderImage.render(width: 1536, height: 1024, format: format, seed: 42)
        let info = try #require(ImageInfo(bytes: bytes))
        #expect(info.format == format)
        #expect(info.width == 1536)
        #expect(info.height == 1024)
    }

    /// JPEG segment lengths that run past the end
    /// or below their own size, in an answer or a file on the share, never crash the daemon.
    @Test func brokenJPEGSegmentLengthsAreSurvived() throws {
        let metadata = ImageMetadata([("prompt", "a cat")])
        for bytes: [UInt8] in [[0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xFF], [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x00, 0xFF, 0xD9], [0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x00]] {
            _ = try? metadata.embed(into: bytes)
            _ = ImageMetadata(readingFrom: bytes)
        }
    }

    @Test func transparentPNGHasAnAlphaChannel() throws {
        let opaque = try #require(ImageInfo(bytes: PlaceholderImage.render(width: 64, height: 32, format: .png, seed: 1)))
        let clear = try #require(ImageInfo(bytes: PlaceholderImage.render(width: 64, height: 32, format: .png, seed: 1, transparent: true)))
        #expect(!opaque.hasAlpha)
        #expect(clear.hasAlpha)
    }

    @Test(arguments: ImageFormat.allCases)
    func metadataSurvivesEmbedding(format: ImageFormat) throws {
        let image = PlaceholderImage.render(width: 40, height: 24, format: format, seed: 3)
        let metadata = ImageMetadata([("prompt", "Ein Hund mit Hut — «über» <alles> & mehr\nzweite Zeile"), ("model", "openai/gpt-image-2")])
        let embedded = try metadata.embed(into: image)
        let info = try #require(ImageInfo(bytes: embedded))
        #expect(info.width == 40 && info.height == 24 && info.format == format)
        switch format {
        case .png, .jpeg, .gif, .svg:
            #expect(ImageMetadata(readingFrom: embedded) == metadata)
        case .webp:
            let text = String(decoding: embedded, as: UTF8.self)
            #expect(text.contains("XMP "))
            #expect(text.contains("Ein Hund mit Hut — «über» &lt;alles&gt; &amp; mehr"))
            #expect(embedded[12..<16].elementsEqual("VP8X".utf8))
        }
    }

    @Test func sniffingUsesMagicBytesNotNames() {
        #expect(ImageFormat(sniffing: Array("not an image at all".utf8)) == nil)
        #expect(ImageInfo(bytes: [0x89, 0x50, 0x4E, 0x47]) == nil)
        #expect(ImageFormat(name: "JPG") == .jpeg)
    }
}

struct WholeImageTests {
    @Test(arguments: ImageFormat.allCases)
    func anImageCutShortIsNotWhole(format: ImageFormat) {
        let image = PlaceholderImage.render(width: 64, height: 48, format: format, seed: 3)
        #expect(format.isWhole(image))
        #expect(!format.isWhole(Array(image.prefix(image.count / 2))))
        #expect(!format.isWhole(Array(image.prefix(16))))
    }
}
