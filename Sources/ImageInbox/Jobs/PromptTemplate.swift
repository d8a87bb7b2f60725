/// A house style for prompts, such as
/// `"{prompt}. Flat vector illustration in the brand palette: navy, coral, sand."`: the file's
/// prompt goes where `{prompt}` is.
package struct PromptTemplate: Sendable, Equatable {
    /// The placeholder the file's prompt replaces.
    package static let placeholder = "{prompt}"

    package let text: String

    /// - Parameter origin: Where the template was written, for the error message.
    /// - Throws: ``ImageInboxError`` `invalidParameter` when `{prompt}` is not in it (the file's
    ///   prompt would be lost).
    package init(_ text: String, origin: String) throws(ImageInboxError) {
        guard text.contains(Self.placeholder) else {
            throw ImageInboxError(
                code: .invalidParameter,
                message: "prompt_template in the \(origin) has no {prompt}: write where the file's prompt goes, "
                    + "such as \"{prompt}. Flat vector illustration.\""
            )
        }
        self.text = text
    }

    /// The template with `prompt` in place of every `{prompt}`.
    package func filled(with prompt: String) -> String {
        text.replacing(Self.placeholder, with: prompt)
    }
}
