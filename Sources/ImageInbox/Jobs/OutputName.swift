package import Foundation

/// How results are named, from `output_name` in front matter or a folder's defaults: a template
/// such as `"{date}-{name}-{size}"` whose placeholders are filled for each job, so that results
/// sort the way a team wants. The name stays in the source's folder and never replaces a file
/// (a taken name gets `-2`, `-3`, … as always).
package struct OutputName: Sendable, Equatable, Codable {
    /// The placeholders, in the order the docs list them.
    package static let placeholders = ["name", "index", "date", "time", "size", "model", "preset"]

    /// The template as written.
    package let template: String

    /// - Throws: ``ImageInboxError`` `invalidParameter` for a template that would leave the
    ///   folder (`/`), make a hidden or empty name, or use a placeholder that does not exist.
    package init(_ template: String) throws(ImageInboxError) {
        func refuse(_ why: String) -> ImageInboxError {
            ImageInboxError(code: .invalidParameter, message: "output_name '\(template)' \(why)")
        }
        guard !template.contains("/"), !template.contains("\0") else {
            throw refuse("contains '/': results stay in the folder of their source. Use '-' or '_' instead.")
        }
        guard !template.trimmingCharacters(in: .whitespaces).isEmpty, !template.hasPrefix(".") else {
            throw refuse("makes an empty or hidden name; start it with a letter, a digit or a placeholder such as {name}.")
        }
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { throw refuse("has a '{' that is never closed.") }
            let name = String(rest[rest.index(after: open)..<close])
            guard Self.placeholders.contains(name) else {
                let suggestion = KeySuggestion.nearest(to: name, among: Self.placeholders).map { "Did you mean {\($0)}? " } ?? ""
                throw refuse("uses {\(name)}, which is not a placeholder. \(suggestion)Use \(Self.placeholders.map { "{\($0)}" }.joined(separator: ", ")).")
            }
            rest = rest[rest.index(after: close)...]
        }
        self.template = template
    }

    /// What one job's results are called (without the extension).
    ///
    /// - Parameters:
    ///   - name: The source's name without its extension.
    ///   - index: The entry's number in its file (1 for a file of one prompt).
    ///   - created: When the job was first recorded: the same after a restart, so that a job's
    ///     results keep their name and are found again.
    package func render(name: String, index: Int, created: Date, parameters: ResolvedParameters, preset: String?) -> String {
        let local = Calendar.current.dateComponents([.year, .month, .day, .hour, .minute, .second], from: created)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        let values: [String: String] = [
            "name": name,
            "index": String(format: "%03d", index),
            "date": "\(local.year ?? 1970)-\(two(local.month))-\(two(local.day))",
            "time": "\(two(local.hour))\(two(local.minute))\(two(local.second))",
            "size": parameters.size ?? "auto",
            "model": parameters.model,
            "preset": preset ?? "",
        ]
        var result = template
        // Model ids hold slashes (openai/gpt-image-2), and so may a preset's name: a name cannot.
        for (key, value) in values { result = result.replacingOccurrences(of: "{\(key)}", with: value.replacingOccurrences(of: "/", with: "-")) }
        return result
    }
}
