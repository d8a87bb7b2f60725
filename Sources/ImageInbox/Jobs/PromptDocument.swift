package import Foundation

/// A `.prompt` (or instruction) file: optional YAML front matter and the prompt text.
///
/// Files come from people's editors on Macs and Windows: UTF-8 with or without a byte-order
/// mark, UTF-16 with one (Notepad), and CRLF or CR line ends are all read the same.
package struct PromptDocument: Sendable, Equatable {
    /// The longest prompt the GPT image models accept, in characters.
    package static let maximumPromptLength = 32_000
    /// The largest file read as a prompt; anything bigger is surely not one.
    package static let maximumFileSize = 256 * 1024

    /// The parameters set in the front matter.
    package var parameters: ImageParameters
    /// The folder preset the front matter chooses (`preset: poster`).
    package var preset: String?
    /// The prompt: the text after the front matter, trimmed.
    package var prompt: String

    /// Parses a prompt file's bytes.
    ///
    /// - Parameter extraKeys: Front-matter keys the caller reads from ``frontMatter`` itself.
    /// - Throws: ``ImageInboxError`` `invalidSource` for bad text or front matter, an empty or too
    ///   long prompt; `invalidParameter` for bad parameters.
    package init(data: Data, extraKeys: Set<String> = []) throws(ImageInboxError) {
        let (parameters, prompt, mapping) = try Self.parse(data, extraKeys: extraKeys.union(["preset"]))
        self.parameters = parameters
        self.prompt = prompt
        switch mapping["preset"] {
        case nil: preset = nil
        case let name as String: preset = name.trimmingCharacters(in: .whitespaces)
        default: throw ImageInboxError(code: .invalidParameter, message: "preset in the front matter must be one name, such as 'preset: poster'.")
        }
    }

    /// The raw front-matter mapping of a prompt file (empty when there is none).
    package static func frontMatter(of data: Data) throws(ImageInboxError) -> [String: Any] {
        try parse(data, extraKeys: [], checkParameters: false).2
    }

    private static func parse(
        _ data: Data,
        extraKeys: Set<String>,
        checkParameters: Bool = true
    ) throws(ImageInboxError) -> (ImageParameters, String, [String: Any]) {
        let (mapping, body, _) = try sections(of: data)
        let parameters = checkParameters ? try ImageParameters(mapping: mapping, origin: "front matter", extraKeys: extraKeys) : ImageParameters()
        let prompt = body.trimmingCharacters(in: .whitespacesAndNewlines)
        if checkParameters {
            guard !prompt.isEmpty else {
                throw ImageInboxError(
                    code: .invalidSource,
                    message: "The prompt is empty. Write what the image should show below the front matter."
                )
            }
            guard prompt.count <= maximumPromptLength else {
                throw ImageInboxError(
                    code: .invalidSource,
                    message: "The prompt has \(prompt.count) characters; the limit is \(maximumPromptLength). Shorten it."
                )
            }
        }
        return (parameters, prompt, mapping)
    }

    /// A prompt file's text (decoded, with `\n` line ends) split into its front matter and the
    /// rest, and the line (from 1) the rest starts on.
    ///
    /// - Throws: ``ImageInboxError`` `invalidSource` for a file too large, text that is not
    ///   UTF-8 or UTF-16, and front matter that is not closed or not `key: value` lines.
    package static func sections(of data: Data) throws(ImageInboxError) -> (frontMatter: [String: Any], body: String, bodyLine: Int) {
        guard data.count <= maximumFileSize else {
            throw ImageInboxError(
                code: .invalidSource,
                message: "The file is \(data.count / 1024) KB; a prompt file holds at most "
                    + "\(maximumPromptLength) characters of text. Shorten it."
            )
        }
        let text = try decodeText(data)
        var mapping: [String: Any] = [:]
        var body = text
        var bodyLine = 1
        // Most prompts have no front matter: only the first line is looked at then.
        if isFence(String(text.prefix { $0 != "\n" })) {
            var lines = text.components(separatedBy: "\n")
            guard let end = lines.dropFirst().firstIndex(where: { isFence($0) || $0.trimmingCharacters(in: .whitespaces) == "..." }) else {
                throw ImageInboxError(
                    code: .invalidSource,
                    message: "The front matter starts with '---' but never ends. Close it with a line of '---'."
                )
            }
            mapping = try parseYAML(lines[1..<end].joined(separator: "\n"))
            lines.removeSubrange(0...end)
            body = lines.joined(separator: "\n")
            bodyLine = end + 2
        }
        return (mapping, body, bodyLine)
    }

    private static func decodeText(_ data: Data) throws(ImageInboxError) -> String {
        let bytes = data.withUnsafeBytes { [UInt8]($0) }
        let decoded: String?
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            decoded = String(validating: bytes.dropFirst(3), as: UTF8.self)
        } else if bytes.starts(with: [0xFF, 0xFE]) {
            decoded = String(data: data.dropFirst(2), encoding: .utf16LittleEndian)
        } else if bytes.starts(with: [0xFE, 0xFF]) {
            decoded = String(data: data.dropFirst(2), encoding: .utf16BigEndian)
        } else {
            decoded = String(validating: bytes, as: UTF8.self)
        }
        guard let text = decoded, !text.utf8.contains(0) else {
            throw ImageInboxError(
                code: .invalidSource,
                message: "The file is not UTF-8 text. Save it as plain text (UTF-8) and drop it again."
            )
        }
        guard text.utf8.contains(UInt8(ascii: "\r")) else { return text }
        return text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }

    /// The most front matter read; a handful of keys takes a few hundred bytes.
    static let maximumFrontMatterSize = 16 * 1024

    private static func parseYAML(_ yaml: String) throws(ImageInboxError) -> [String: Any] {
        let loaded: Any?
        do {
            loaded = try GuardedYAML.load(yaml, maximumBytes: maximumFrontMatterSize)
        } catch {
            // The front matter starts on the file's second line, after the opening '---'.
            let place = error.place(linesBefore: 1)
            throw ImageInboxError(
                code: .invalidSource,
                message: "The front matter\(place) \(error.problem)." + (error.isSyntaxError ? " Write one 'key: value' per line." : ""),
                cause: error
            )
        }
        switch loaded {
        case nil: return [:]
        case let mapping as [String: Any]: return mapping
        default:
            throw ImageInboxError(
                code: .invalidSource,
                message: "The front matter must be 'key: value' lines, such as 'size: 1536x1024'."
            )
        }
    }

    private static func isFence(_ line: String) -> Bool {
        line.trimmingCharacters(in: .whitespaces) == "---"
    }
}
