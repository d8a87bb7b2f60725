import Foundation

/// What a job asks the images API for: a generation from a prompt, or an edit of a bundle.
enum JobWork: Sendable {
    /// A generation; `entry` for one entry of a batch file.
    case generation(GenerationRequest, entry: BatchEntryName? = nil)
    case edit(EditRequest, bundle: EditBundle)

    /// The ledger's `kind`.
    var kind: String {
        switch self {
        case .generation: "generation"
        case .edit: "edit"
        }
    }

    var prompt: String {
        switch self {
        case .generation(let request, _): request.prompt
        case .edit(let request, _): request.prompt
        }
    }

    var parameters: ResolvedParameters {
        switch self {
        case .generation(let request, _): request.parameters
        case .edit(let request, _): request.parameters
        }
    }

    /// Images asked for in one request.
    var imageCount: Int {
        switch self {
        case .generation(let request, _): request.imageCount
        case .edit(let request, _): request.imageCount
        }
    }

    /// The same work for `count` images (a count larger than a provider takes is split).
    func asking(for count: Int) -> JobWork {
        switch self {
        case .generation(var request, let entry):
            request.imageCount = count
            return .generation(request, entry: entry)
        case .edit(var request, let bundle):
            request.imageCount = count
            return .edit(request, bundle: bundle)
        }
    }

    /// Results are named after this stem: `/in/cat`, `/in/cat.edited`, `/in/cat.edit/result`,
    /// or what a generation's `output_name` makes of its job (`/in/2026-12-04-cat-1024x1024`).
    /// A stem too long for its results' names (`-12.webp` and all) is cut to fit.
    ///
    /// - Parameter created: When the job was first recorded, for `{date}` and `{time}`.
    func resultStem(for source: SettledSource, created: Date) -> String {
        let full = fullResultStem(for: source, created: created)
        // An edit's `.edited` is kept: without it, the result would be taken for a bundle image.
        let marker = ".edited"
        if case .edit = self, full.hasSuffix(marker) {
            return SourceName.fitting(String(full.dropLast(marker.utf8.count)), suffixBytes: Self.resultSuffixBytes + marker.utf8.count) + marker
        }
        return SourceName.fitting(full, suffixBytes: Self.resultSuffixBytes)
    }

    /// The stem before any cut.
    func fullResultStem(for source: SettledSource, created: Date) -> String {
        switch self {
        case .generation(let request, let entry):
            let name = SourceName(path: source.path)
            // The request's `output_name` already holds a CSV row's `name` (the row's own
            // output_name), unless a folder locked output_name: then the lock wins, as over any
            // column. Without either, the source's name (numbered for an entry).
            guard let outputName = request.parameters.outputName ?? entry?.name else {
                return entry.map { name.stem + "-" + String(format: "%03d", $0.index) } ?? name.stem
            }
            var rendered = outputName.render(
                name: SourceName(path: name.stem).fileName, index: entry?.index ?? 1, created: created, parameters: request.parameters,
                preset: request.parameters.preset
            )
            // A template that is not the row's own name, without {index}, would give every entry of
            // a file one name.
            if let entry, entry.name != outputName, !outputName.template.contains("{index}") { rendered += String(format: "-%03d", entry.index) }
            return name.directory + "/" + rendered
        case .edit(_, let bundle):
            // An edit's results keep their marked names: another name could be taken for a bundle image.
            return bundle.resultStem
        }
    }

    /// Whether results are named by an `output_name` template rather than after the source.
    var hasOutputName: Bool {
        if case .generation(let request, let entry) = self { return entry?.name != nil || request.parameters.outputName != nil }
        return false
    }

    /// Room kept after a result stem: `-999.webp` (a thousand results of one name fit).
    static let resultSuffixBytes = 9

    /// Sends it.
    ///
    /// - Parameters:
    ///   - previews: Told of each partial image while the answer streams in.
    ///   - beforeDownload: Told of an answer with `url` results before their download.
    func send(to generator: any ImageGenerating, previews: PreviewSink?, beforeDownload: @escaping PendingDownload.Recorder) async throws -> GenerationResult {
        switch self {
        case .generation(let request, _): try await generator.generate(request, previews: previews, beforeDownload: beforeDownload)
        case .edit(let request, _): try await generator.edit(request, previews: previews, beforeDownload: beforeDownload)
        }
    }
}

/// How the results of a batch file's entry are named: `NAME-007`, or its CSV row's `name`
/// (unless a folder locked `output_name`).
struct BatchEntryName: Sendable {
    /// The entry's number in its file, from 1.
    var index: Int
    /// The row's `name` (a name or an `output_name` template). It is also the entry's
    /// `output_name`, under the folders' locks; here it tells a row's own name, which is not
    /// numbered, from a template of the folder's or the file's, which is.
    var name: OutputName?
}
