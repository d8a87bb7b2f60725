import ArgumentParser
import Foundation
import ImageInbox

/// `image-inbox generate "prompt" -o out.png`: one image from a terminal, with progress.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Make one image from a prompt, right now."
    )

    @OptionGroup var shared: SharedOptions

    @Argument(help: "What the image should show.")
    var prompt: String

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let settings: DaemonConfiguration
        let parameters: ResolvedParameters
        do {
            settings = try await shared.load(purpose: .oneShot)
            parameters = try output.parameters(for: settings)
        } catch let error as ImageInboxError {
            throw CommandError(error)
        }
        try output.checkFree()
        let request = GenerationRequest(prompt: prompt, parameters: parameters)
        try await OneShot.run(verb: "Generating", settings: settings, parameters: parameters, metadata: [("prompt", prompt)], output: output.path) {
            try await $0.generate(request)
        }
    }
}
