import ArgumentParser

@main
struct ImageInboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image-inbox",
        abstract: "Turns folders into an image generator: drop NAME.prompt, get NAME.png.",
        subcommands: [RunCommand.self, CheckCommand.self, StatusCommand.self, ModelsCommand.self, GenerateCommand.self, EditCommand.self, LedgerCommand.self],
        defaultSubcommand: RunCommand.self
    )
}
