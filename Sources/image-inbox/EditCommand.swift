import ArgumentParser
import ImageInbox

/// `image-inbox edit "instruction" --image a.png [--image b.png] [--mask m.png] -o out.png`.
struct EditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Edit images with an instruction, right now: the first --image is the base."
    )

    @OptionGroup var shared: SharedOptions

    @Argument(help: "What to change.")
    var instruction: String

    @Option(name: .customLong("image"), help: "An image to edit or use (repeat, up to 16; the first is the base).")
    var images: [String] = []

    @Option(name: .long, help: "A PNG with transparency where the base image may change, the base's size.")
    var mask: String?

    @OptionGroup var output: OutputOptions

    func run() async throws {
        guard !images.isEmpty else { throw ValidationError("Give at least one --image.") }
        let settings: DaemonConfiguration
        let request: EditRequest
        do {
            settings = try await shared.load(purpose: .oneShot)
            let parameters = try output.parameters(for: settings)
            let bundle = EditBundle(form: .sidecar, instruction: "", images: images, mask: mask, resultStem: SourceName(path: output.path).stem)
            let (uploads, maskUpload) = try EditBundleValidator().validate(bundle)
            request = EditRequest(prompt: instruction, parameters: parameters, images: uploads, mask: maskUpload)
        } catch let error as ImageInboxError {
            throw CommandError(error)
        }
        try output.checkFree()
        var metadata: [(key: String, value: String)] = [("prompt", instruction), ("images", images.map { SourceName(path: $0).fileName }.joined(separator: ", "))]
        if let mask { metadata.append(("mask", SourceName(path: mask).fileName)) }
        try await OneShot.run(verb: "Editing", settings: settings, parameters: request.parameters, metadata: metadata, output: output.path) {
            try await $0.edit(request)
        }
    }
}
