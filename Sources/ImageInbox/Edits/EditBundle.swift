/// An edit bundle on the share: an instruction file, the images it edits (the first is the
/// base), and an optional mask.
///
/// Two forms: a sidecar `NAME.edit` beside `NAME.png|jpg|jpeg|webp` (mask `NAME.mask.png`, more
/// images listed in front matter `images: […]`), results `NAME.edited.png`, …; or a folder
/// `NAME.edit/` holding `instruction.txt` (or `prompt.txt`), up to 16 images in name order and
/// an optional `mask.png`, results `result.png`, … inside it.
package struct EditBundle: Sendable, Equatable {
    /// Which form the bundle has.
    package enum Form: Sendable, Equatable {
        case sidecar
        case folder
    }

    /// The extensions images may have.
    package static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "webp"]
    /// The instruction file names of the folder form.
    package static let instructionNames = ["instruction.txt", "prompt.txt"]

    /// Which form.
    package var form: Form
    /// The instruction file (the trigger).
    package var instruction: String
    /// The images, base first.
    package var images: [String]
    /// The mask, if any.
    package var mask: String?
    /// The stem results are named after: `/in/cat.edited`, `/in/cat.edit/result`.
    package var resultStem: String

    package init(form: Form, instruction: String, images: [String], mask: String?, resultStem: String) {
        self.form = form
        self.instruction = instruction
        self.images = images
        self.mask = mask
        self.resultStem = resultStem
    }

    /// Every part's path: the images, then the mask.
    package var parts: [String] { images + (mask.map { [$0] } ?? []) }

    /// Whether `path` is the instruction file of an edit bundle.
    package static func isInstruction(_ path: String) -> Bool {
        let name = SourceName(path: path)
        if name.fileExtension == "edit" { return FileSystem.identity(of: path)?.isDirectory != true }
        return instructionNames.contains(name.fileName.lowercased()) && isBundleFolder(name.directory)
    }

    /// The instruction file of the bundle `path` would be a part of, when that bundle exists.
    package static func instruction(forPart path: String) -> String? {
        let name = SourceName(path: path)
        guard imageExtensions.contains(name.fileExtension) else { return nil }
        if isBundleFolder(name.directory) {
            guard !isResult(name.fileName) else { return nil }
            return instructionNames.map { name.directory + "/" + $0 }.first(where: FileSystem.exists)
        }
        var stem = name.stem
        if stem.lowercased().hasSuffix(".mask") { stem = String(stem.dropLast(5)) }
        let sidecar = stem + ".edit"
        return FileSystem.identity(of: sidecar).map { $0.isDirectory ? nil : sidecar } ?? nil
    }

    /// Whether a folder is a folder-form bundle (`NAME.edit/`).
    package static func isBundleFolder(_ directory: String) -> Bool {
        SourceName(path: directory).fileExtension == "edit"
    }

    /// Whether a file name is one of the daemon's results (or their previews) inside a folder bundle.
    package static func isResult(_ fileName: String) -> Bool {
        let name = SourceName(path: fileName)
        let stem = SourceName(path: name.stem).fileName
        guard imageExtensions.contains(name.fileExtension) else { return false }
        if PreviewFiles.isPreview(fileName) { return true }
        return stem == "result" || (stem.hasPrefix("result-") && Int(stem.dropFirst(7)) != nil)
    }
}
