import ArgumentParser
import ImageInbox

/// `image-inbox models`: the models the daemon knows, with the configuration's `models:` applied.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Show the image models image-inbox knows per provider: options, prices, retirements.",
        discussion: "Add a model or change any of its fields under models: in the configuration file; --yaml prints the form."
    )

    @OptionGroup var shared: SharedOptions

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    @Flag(name: .long, help: "Print the catalogue in the form of the configuration's models: section.")
    var yaml = false

    func run() async throws {
        do {
            let settings = try await shared.load(purpose: .inspection)
            print(json ? settings.catalogue.json : yaml ? settings.catalogue.yaml : settings.catalogue.text(provider: settings.provider))
        } catch let error as ImageInboxError {
            throw CommandError(error)
        }
    }
}
