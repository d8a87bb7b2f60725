/// What the `image-inbox.yaml` files of a folder and of each folder above it (up to the inbox)
/// set for the files in it: defaults, a house style for prompts, named presets, and values the
/// folder's admin locked.
///
/// A file's parameters are, lowest first: the configuration's defaults, the folders' defaults
/// (deeper folders winning), the preset its front matter names, its own front matter (a CSV
/// row's columns and its `name`), and last the locked values, which nothing below can change:
/// not front matter, not a preset, not a CSV column, not a deeper folder's `image-inbox.yaml`.
/// A locked `prompt_template` holds the same way over a deeper folder's template and a preset's.
package struct FolderStyle: Sendable, Equatable {
    /// A named set of parameters and a prompt template, chosen with `preset: NAME`.
    package struct Preset: Sendable, Equatable {
        package var parameters: ImageParameters
        package var promptTemplate: PromptTemplate?

        package init(parameters: ImageParameters = ImageParameters(), promptTemplate: PromptTemplate? = nil) {
            self.parameters = parameters
            self.promptTemplate = promptTemplate
        }
    }

    /// The folders' defaults.
    package var defaults: ImageParameters
    /// The prompt template of the deepest folder that sets one.
    package var promptTemplate: PromptTemplate?
    /// The presets by name; a deeper folder's preset replaces an upper one of the same name.
    package var presets: [String: Preset]
    /// The locked values; an upper folder's lock wins over a deeper one's.
    package var locked: ImageParameters
    /// The locked prompt template (`locked: {prompt_template: …}`); an upper folder's wins.
    package var lockedPromptTemplate: PromptTemplate?
    /// The daily budgets of the folder and every folder above it that sets one: each applies.
    package var budgets: [FolderBudget]

    package init(
        defaults: ImageParameters = ImageParameters(),
        promptTemplate: PromptTemplate? = nil,
        presets: [String: Preset] = [:],
        locked: ImageParameters = ImageParameters(),
        lockedPromptTemplate: PromptTemplate? = nil,
        budgets: [FolderBudget] = []
    ) {
        self.defaults = defaults
        self.promptTemplate = promptTemplate
        self.presets = presets
        self.locked = locked
        self.lockedPromptTemplate = lockedPromptTemplate
        self.budgets = budgets
    }

    /// This style (of the folders above) with a deeper folder's `image-inbox.yaml` applied.
    package func applying(deeper: FolderStyle) -> FolderStyle {
        FolderStyle(
            defaults: deeper.defaults.layered(over: defaults),
            promptTemplate: deeper.promptTemplate ?? promptTemplate,
            presets: presets.merging(deeper.presets) { _, deeper in deeper },
            locked: locked.layered(over: deeper.locked),
            lockedPromptTemplate: lockedPromptTemplate ?? deeper.lockedPromptTemplate,
            budgets: budgets + deeper.budgets
        )
    }

    /// The parameters and the prompt to send for a file.
    ///
    /// - Parameters:
    ///   - frontMatter: The file's own parameters (a batch entry's: its row's columns and
    ///     `name` over the file's front matter).
    ///   - preset: The preset its front matter (or CSV row) names, if any.
    ///   - prompt: The file's prompt, put into the template.
    ///   - templated: false for an edit's instruction, which is sent as written.
    ///   - configured: The configuration's defaults.
    /// - Throws: ``ImageInboxError`` `invalidParameter` for a preset no folder defines.
    package func resolve(
        frontMatter: ImageParameters,
        preset name: String?,
        prompt: String,
        templated: Bool = true,
        over configured: ImageParameters
    ) throws(ImageInboxError) -> (parameters: ImageParameters, prompt: String) {
        var preset = Preset()
        if let name {
            guard let found = presets[name] else {
                let known = presets.keys.sorted()
                let suggestion = KeySuggestion.nearest(to: name, among: known).map { "Did you mean '\($0)'? " } ?? ""
                throw ImageInboxError(
                    code: .invalidParameter,
                    message: "preset '\(name)' is not defined for this folder. \(suggestion)"
                        + (known.isEmpty ? "No image-inbox.yaml here or above defines presets." : "The presets here are: \(known.joined(separator: ", ")).")
                )
            }
            preset = found
        }
        let parameters = locked.layered(over: frontMatter.layered(over: preset.parameters.layered(over: defaults.layered(over: configured))))
        let template = templated ? (lockedPromptTemplate ?? preset.promptTemplate ?? promptTemplate) : nil
        return (parameters, template?.filled(with: prompt) ?? prompt)
    }
}
