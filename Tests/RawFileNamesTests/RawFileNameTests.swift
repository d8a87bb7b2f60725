import RawFileNames
import SystemPackage
import Testing

struct RawFileNameTests {
    @Test func utf8NamesAreTheirOwnText() {
        for name in ["cat.prompt", "café.prompt", "猫 🐈.prompt", ""] {
            #expect(RawFileName.decode(Array(name.utf8)) == name)
            #expect(RawFileName.bytes(of: name) == Array(name.utf8))
            #expect(RawFileName.readable(name) == name)
            #expect(!RawFileName.hasRawBytes(name))
        }
    }

    @Test func aLatin1NameRoundTripsAndReadsEscaped() {
        let bytes: [UInt8] = Array("caf".utf8) + [0xE9] + Array(".prompt".utf8)
        let name = RawFileName.decode(bytes)
        #expect(name.hasSuffix(".prompt"))
        #expect(name.hasPrefix("caf"))
        #expect(RawFileName.bytes(of: name) == bytes)
        #expect(RawFileName.readable(name) == "caf\\xE9.prompt")
        #expect(RawFileName.hasRawBytes(name))
        #expect(RawFileName.decode(Array("caf".utf8) + [0xE8] + Array(".prompt".utf8)) != name)
    }

    @Test func everyMalformedSequenceRoundTrips() {
        let samples: [[UInt8]] = [
            [0x80], [0xFF], [0xC3], [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80],
            [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], Array("a".utf8) + [0xC3, 0x28],
            // The valid UTF-8 of a carrying scalar (U+10FFE9) must not read back as the byte 0xE9.
            [0xF4, 0x8F, 0xBF, 0xA9], [0xF4, 0x8F, 0xBD, 0x80],
        ]
        for sample in samples {
            let name = RawFileName.decode(sample)
            #expect(RawFileName.bytes(of: name) == sample, "\(sample)")
            #expect(RawFileName.withCString(name) { pointer in
                (0..<sample.count).map { UInt8(bitPattern: pointer[$0]) } + [UInt8(bitPattern: pointer[sample.count])]
            } == sample + [0])
        }
    }

    @Test func everyByteBelowAndAboveASCIIRoundTripsInAName() {
        for byte in UInt8(1)...UInt8(255) where byte != UInt8(ascii: "/") {
            let sample = Array("a".utf8) + [byte] + Array(".png".utf8)
            #expect(RawFileName.bytes(of: RawFileName.decode(sample)) == sample)
        }
    }

    @Test func aFilePathCarriesTheBytes() {
        let bytes: [UInt8] = Array("/srv/caf".utf8) + [0xE9] + Array(".png".utf8)
        let path = RawFileName.filePath(RawFileName.decode(bytes))
        let carried = path.withPlatformString { pointer in (0..<bytes.count).map { UInt8(bitPattern: pointer[$0]) } }
        #expect(carried == bytes)
    }
}

/// Control characters in names are shown escaped wherever a name leaves the process as text.
struct RawFileNameShownTests {
    @Test func controlCharactersAndLineSeparatorsAreEscapedAndTheRestIsKept() {
        #expect(RawFileName.shown("cat.prompt") == "cat.prompt")
        #expect(RawFileName.shown("caf\u{E9} \u{1F431}.prompt") == "caf\u{E9} \u{1F431}.prompt")
        #expect(RawFileName.shown("a\nb\tc\u{0}d\u{1B}[31m") == "a\\x0Ab\\x09c\\x00d\\x1B[31m")
        #expect(RawFileName.shown("a\u{85}b\u{2028}c\u{2029}d\u{9B}") == "a\\x85b\\u{2028}c\\u{2029}d\\x9B")
        let raw = RawFileName.decode(Array("caf".utf8) + [0xE9, 0x0A])
        #expect(RawFileName.shown(raw) == "caf\\xE9\\x0A")
    }
}
