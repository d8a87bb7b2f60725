package import Foundation

/// A batch file, each of whose entries is its own job: `NAME.prompts` holds a prompt per line
/// (blank lines and lines starting with `#` skipped), or blocks of lines between `---` lines;
/// `NAME.csv` holds a header row with a `prompt` column and any front-matter key as a column
/// (`size`, `quality`, `count`, `preset`, `name`, …), a row per entry.
///
/// Entries are keyed by their content, as read (not as written: a spreadsheet that quotes a
/// field anew changes nothing), and by which copy of that content they are: saving the file
/// again makes only the entries that changed or were added, wherever they are, and two
/// identical lines are two entries.
package struct BatchDocument: Sendable {
    /// One entry: what it asks for, or why it cannot be sent.
    package struct Entry: Sendable {
        /// Its number in the file, from 1.
        package var index: Int
        /// The line it starts on.
        package var line: Int
        package var prompt: String
        /// Its own parameters (a CSV row's columns, its `name` as its `output_name`) over the
        /// file's front matter.
        package var parameters: ImageParameters
        package var preset: String?
        /// A CSV row's `name`: its results' name instead of `NAME-001`, unless a folder locked
        /// `output_name` (a lock wins over a row's name as over any column).
        package var name: String?
        /// Why the entry cannot be sent, found when the file was read.
        package var problem: ImageInboxError?
        /// The job key of the entry: `entry:` and the hash of its content and its copy number.
        package var contentHash: String
    }

    /// The file extensions of batch files.
    package static let extensions: Set<String> = ["prompts", "csv"]

    package var entries: [Entry]

    /// Whether `path` is named as a batch file (a CSV is one only with a `prompt` column).
    package static func isBatch(_ path: String) -> Bool {
        extensions.contains(SourceName(path: path).fileExtension)
    }

    /// Whether a job key is a batch entry's.
    package static func isEntryKey(_ key: String) -> Bool {
        key.hasPrefix("entry:")
    }

    /// The keys of entries whose contents are `contents`, in order: the second copy of a
    /// content is keyed apart from the first.
    private static func keys(of contents: [String]) -> [String] {
        var copies: [String: Int] = [:]
        return contents.map { content in
            copies[content, default: 0] += 1
            return "entry:" + ContentHash.of(Array("\(copies[content]!)\u{0}\(content)".utf8))
        }
    }

    /// Reads a batch file; nil for a CSV without a `prompt` column, which is not a batch file.
    ///
    /// - Throws: ``ImageInboxError`` for what spoils the whole file: text that is not UTF-8,
    ///   wrong front matter, a malformed CSV or a column that is not a front-matter key.
    package static func read(_ data: Data, path: String) throws(ImageInboxError) -> BatchDocument? {
        let (mapping, body, bodyLine) = try PromptDocument.sections(of: data)
        let shared = try ImageParameters(mapping: mapping, origin: "front matter", extraKeys: ["preset"])
        let preset = try presetName(mapping["preset"], origin: "the front matter")
        let sharedKey = key(of: shared, preset: preset)
        if SourceName(path: path).fileExtension == "csv" {
            return try readCSV(body, firstLine: bodyLine, shared: shared, preset: preset, sharedKey: sharedKey)
        }
        let found = prompts(in: body, firstLine: bodyLine)
        let keys = keys(of: found.map { sharedKey + "\u{0}" + $0.text })
        let entries = zip(found, keys).enumerated().map { offset, pair in
            var entry = Entry(index: offset + 1, line: pair.0.line, prompt: pair.0.text, parameters: shared, preset: preset, contentHash: pair.1)
            entry.problem = promptProblem(pair.0.text)
            return entry
        }
        return BatchDocument(entries: entries)
    }

    /// The prompts of a `.prompts` body with their lines: blocks between `---` lines if there
    /// are any, else one per line.
    private static func prompts(in body: String, firstLine: Int) -> [(line: Int, text: String)] {
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let isBlocks = lines.contains("---")
        var prompts: [(line: Int, text: String)] = []
        var block: [String] = []
        var blockLine = firstLine
        func endBlock() {
            let text = block.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { prompts.append((blockLine, text)) }
            block = []
        }
        for (offset, line) in lines.enumerated() {
            let number = firstLine + offset
            if line.hasPrefix("#") { continue }
            if !isBlocks {
                if !line.isEmpty { prompts.append((number, line)) }
            } else if line == "---" {
                endBlock()
            } else {
                if block.isEmpty && line.isEmpty { continue }
                if block.isEmpty { blockLine = number }
                block.append(line)
            }
        }
        if isBlocks { endBlock() }
        return prompts
    }

    private static func readCSV(
        _ text: String,
        firstLine: Int,
        shared: ImageParameters,
        preset: String?,
        sharedKey: String
    ) throws(ImageInboxError) -> BatchDocument? {
        let table = try CSVTable(parsing: text, firstLine: firstLine)
        guard let header = table.records.first else { return nil }
        let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let promptColumn = columns.firstIndex(of: "prompt") else { return nil }
        let known = ["prompt", "name", "preset"] + ImageParameters.keys
        for column in columns where !column.isEmpty && !known.contains(column) {
            let suggestion = KeySuggestion.nearest(to: column, among: known).map { "Did you mean '\($0)'? " } ?? ""
            throw ImageInboxError(
                code: .invalidParameter,
                message: "The CSV's column '\(column)' is not a setting. \(suggestion)Columns can be: \(known.joined(separator: ", "))."
            )
        }
        var entries: [Entry] = []
        var contents: [String] = []
        for record in table.records.dropFirst() where record.fields.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            let index = entries.count + 1
            var values: [String: String] = [:]
            for (column, value) in zip(columns, record.fields) where !column.isEmpty {
                let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
                if !trimmed.isEmpty { values[column] = trimmed }
            }
            let prompt = record.fields.indices.contains(promptColumn) ? record.fields[promptColumn].trimmingCharacters(in: .whitespacesAndNewlines) : ""
            var entry = Entry(
                index: index, line: record.line, prompt: prompt, parameters: shared, preset: values["preset"] ?? preset, name: values["name"],
                contentHash: ""
            )
            // The row as read: its columns' values, whatever their order and quoting.
            contents.append(([sharedKey] + values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: "\u{0}"))
            do throws(ImageInboxError) {
                guard record.fields.count <= columns.count else {
                    throw ImageInboxError(code: .invalidSource, message: "The row has \(record.fields.count) fields but the header \(columns.count). Check its commas and quotes.")
                }
                entry.parameters = try ImageParameters(
                    mapping: values.filter { ImageParameters.keys.contains($0.key) }, origin: "row on line \(record.line)"
                ).layered(over: shared)
                if let name = entry.name {
                    _ = try OutputName(name)
                    // The row's name is its output_name, over an output_name column: so the folders'
                    // locks apply to it as to every other value of the row.
                    entry.parameters.outputName = name
                }
                if let problem = promptProblem(prompt) { throw problem }
            } catch {
                entry.problem = error
            }
            entries.append(entry)
        }
        for (offset, key) in keys(of: contents).enumerated() { entries[offset].contentHash = key }
        return BatchDocument(entries: entries)
    }

    private static func promptProblem(_ prompt: String) -> ImageInboxError? {
        if prompt.isEmpty { return ImageInboxError(code: .invalidSource, message: "The prompt is empty.") }
        if prompt.count > PromptDocument.maximumPromptLength {
            return ImageInboxError(code: .invalidSource, message: "The prompt has \(prompt.count) characters; the limit is \(PromptDocument.maximumPromptLength).")
        }
        return nil
    }

    private static func presetName(_ value: Any?, origin: String) throws(ImageInboxError) -> String? {
        switch value {
        case nil: return nil
        case let name as String: return name.trimmingCharacters(in: .whitespaces)
        default: throw ImageInboxError(code: .invalidParameter, message: "preset in \(origin) must be one name, such as 'preset: poster'.")
        }
    }

    /// The shared settings as stable text, part of every entry's key.
    private static func key(of parameters: ImageParameters, preset: String?) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let encoded = (try? encoder.encode(parameters)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return encoded + "\u{0}" + (preset ?? "")
    }
}
