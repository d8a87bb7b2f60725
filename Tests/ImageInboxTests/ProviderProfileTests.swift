import ImageInbox
import Testing

struct ProviderProfileTests {
    let aimlapi = ProviderProfile.profile(for: .aimlapi)
    let openai = ProviderProfile.profile(for: .openai)

    @Test func defaultsFillTheModelAndFormat() throws {
        let resolved = try aimlapi.resolve(ImageParameters())
        #expect(resolved.model == "openai/gpt-image-2")
        #expect(resolved.format == .png)
        #expect(!resolved.formatWasChosen)
        #expect(resolved.count == 1)
    }

    @Test(arguments: [
        ImageParameters(size: "512x512"),
        ImageParameters(size: "auto"),
        ImageParameters(quality: "auto"),
        ImageParameters(quality: "ultra"),
        ImageParameters(format: .jpeg, background: "transparent"),
        ImageParameters(background: "clear"),
        ImageParameters(moderation: "none"),
        ImageParameters(compression: 101),
        ImageParameters(format: .png, compression: 50),
        ImageParameters(count: 0),
        ImageParameters(count: 11),
        ImageParameters(model: "open ai"),
    ])
    func aimlapiRefusesWhatItDoesNotAccept(parameters: ImageParameters) {
        #expect(throws: ImageInboxError(code: .invalidParameter, message: "")) {
            try aimlapi.resolve(parameters)
        }
    }

    @Test func openAIAcceptsAutoAndCustomSizesForGPTImage2Only() throws {
        #expect(try openai.resolve(ImageParameters(size: "auto", quality: "auto")).size == "auto")
        #expect(try openai.resolve(ImageParameters(model: "gpt-image-2", size: "1536x864")).size == "1536x864")
        #expect(throws: ImageInboxError(code: .invalidParameter, message: "")) {
            try openai.resolve(ImageParameters(model: "gpt-image-1.5", size: "1536x864"))
        }
        #expect(throws: ImageInboxError(code: .invalidParameter, message: "")) {
            try openai.resolve(ImageParameters(model: "gpt-image-2", size: "1000x1000"))
        }
        #expect(throws: ImageInboxError(code: .invalidParameter, message: "")) {
            try openai.resolve(ImageParameters(model: "gpt-image-2", size: "3200x800"))
        }
    }

    @Test(arguments: [("2560x2560", true), ("3840x2160", true), ("1024x1024", true), ("3840x1280", true), ("1024x640", true),
                      ("512x512", false), ("4096x2048", false), ("3856x1296", false), ("3840x1264", false), ("1008x624", false)])
    func gptImage2SizesFollowOpenAIsRule(size: String, accepted: Bool) {
        // Multiples of 16, the long edge at most 3840, at most 3:1, 655,360 to 8,294,400 pixels.
        let result = Result { () throws(ImageInboxError) in try openai.resolve(ImageParameters(size: size)) }
        #expect(((try? result.get()) != nil) == accepted, "\(size)")
    }

    @Test func openAIAndCompatibleDefaultToGPTImage2() throws {
        #expect(try openai.resolve(ImageParameters()).model == "gpt-image-2")
        #expect(try ProviderProfile.profile(for: .compatible).resolve(ImageParameters()).model == "gpt-image-2")
    }

    @Test func layersTakeUnsetFieldsFromBelow() {
        let front = ImageParameters(size: "1536x1024")
        let folder = ImageParameters(size: "1024x1536", quality: "high")
        let config = ImageParameters(model: "m", quality: "low", count: 2)
        #expect(front.layered(over: folder).layered(over: config) == ImageParameters(model: "m", size: "1536x1024", quality: "high", count: 2))
    }
}
