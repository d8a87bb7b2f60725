import ArgumentParser
import Foundation
import ImageInbox

/// Where a one-shot image goes and how it is made.
struct OutputOptions: ParsableArguments {
    @Option(name: [.customShort("o"), .customLong("output")], help: "Where to write the image (must not exist).")
    var path: String

    @Option(name: .long, help: "WIDTHxHEIGHT or auto.")
    var size: String?

    @Option(name: .long, help: "low, medium, high (or auto where the provider has it).")
    var quality: String?

    @Option(name: .long, help: "png, jpeg, webp, gif or svg (default: from the output's extension).")
    var format: String?

    /// The parameters, checked against the provider, over the configuration's defaults.
    func parameters(for settings: DaemonConfiguration) throws(ImageInboxError) -> ResolvedParameters {
        var parameters = ImageParameters(size: size, quality: quality)
        let formatName = format ?? SourceName(path: path).fileExtension
        if let chosen = ImageFormat(name: formatName) {
            parameters.format = chosen
        } else if format != nil {
            throw ImageInboxError(code: .invalidParameter, message: "format '\(formatName)' is not one of png, jpeg, webp, gif, svg.")
        }
        return try settings.profile.resolve(parameters.layered(over: settings.defaults))
    }

    /// Refuses an output path that exists: a one-shot command never replaces a file.
    func checkFree() throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("'\(path)' already exists; choose another name.")
        }
    }
}
