import Foundation
import ImageInbox
import Testing

struct PromptDocumentTests {
    @Test func plainTextIsThePrompt() throws {
        let document = try PromptDocument(data: Data("  A T-Rex on a beach.\n\n".utf8))
        #expect(document.prompt == "A T-Rex on a beach.")
        #expect(document.parameters == ImageParameters())
    }

    @Test func classicMacLineEndsAreReadAsLines() throws {
        let document = try PromptDocument(data: Data("\r A lighthouse,\rat night. \r\r".utf8))
        #expect(document.prompt == "A lighthouse,\nat night.")
    }

    @Test func aFenceAfterTheFirstLineIsPartOfThePrompt() throws {
        let document = try PromptDocument(data: Data("A poster\n---\nsize: 1024x1024\n---\n".utf8))
        #expect(document.prompt == "A poster\n---\nsize: 1024x1024\n---")
        #expect(document.parameters == ImageParameters())
    }

    @Test func frontMatterSetsParameters() throws {
        let text = "---\nsize: 1536x1024\nquality: high\nformat: webp\nbackground: transparent\nmoderation: low\ncompression: 80\ncount: 3\nmodel: openai/gpt-image-1\n---\nA cat.\n"
        let document = try PromptDocument(data: Data(text.utf8))
        #expect(document.prompt == "A cat.")
        #expect(
            document.parameters
                == ImageParameters(model: "openai/gpt-image-1", size: "1536x1024", quality: "high", format: .webp, background: "transparent", moderation: "low", compression: 80, count: 3)
        )
    }

    @Test func byteOrderMarkAndCRLFAreTolerated() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("---\r\nsize: 1024x1536\r\n---\r\nline one\r\nline two\r\n".utf8)
        let document = try PromptDocument(data: Data(bytes))
        #expect(document.parameters.size == "1024x1536")
        #expect(document.prompt == "line one\nline two")
    }

    @Test func utf16FromNotepadIsRead() throws {
        let data = Data([0xFF, 0xFE]) + "Ein Hund".data(using: .utf16LittleEndian)!
        #expect(try PromptDocument(data: data).prompt == "Ein Hund")
    }

    @Test(arguments: [
        ("", ImageInboxError.Code.invalidSource),
        ("---\nsize: 1024x1024\n---\n   \n", .invalidSource),
        ("---\nsize: 1024x1024\nA cat", .invalidSource),
        ("---\nsize: [1, 2]\n---\nA cat", .invalidParameter),
        ("---\nstyle: vivid\n---\nA cat", .invalidParameter),
        ("---\nformat: tiff\n---\nA cat", .invalidParameter),
        ("---\ncount: many\n---\nA cat", .invalidParameter),
        ("---\n: : :\n---\nA cat", .invalidSource),
        (String(repeating: "x", count: 32_001), .invalidSource),
        ("A cat\u{0}", .invalidSource),
    ])
    func badFilesAreRefusedWithTheirReason(text: String, code: ImageInboxError.Code) {
        #expect(throws: ImageInboxError(code: code, message: "")) {
            try PromptDocument(data: Data(text.utf8))
        }
    }

    @Test func invalidUTF8IsRefused() {
        #expect(throws: ImageInboxError(code: .invalidSource, message: "")) {
            try PromptDocument(data: Data([0x41, 0xC3, 0x28, 0x42]))
        }
    }

    @Test func promptOfExactlyTheLimitIsAccepted() throws {
        let text = String(repeating: "y", count: PromptDocument.maximumPromptLength)
        #expect(try PromptDocument(data: Data(text.utf8)).prompt.count == 32_000)
    }
}
