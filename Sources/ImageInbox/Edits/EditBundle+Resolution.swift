import Foundation
import Inotify

extension EditBundle {
    /// What a bundle's instruction file finds around it.
    package enum Resolution: Sendable, Equatable {
        /// Every part is there.
        case ready(EditBundle)
        /// These parts are not there (yet).
        case waiting(missing: [String])
    }

    /// Finds the parts of the bundle whose instruction file is `instruction`.
    ///
    /// - Parameters:
    ///   - extraImages: The sidecar's front matter `images:`, relative to its folder.
    ///   - inbox: The inbox root; no part may be outside it.
    /// - Throws: ``ImageInboxError`` `invalidSource` for a path that leaves the inbox.
    package static func resolve(instruction: String, extraImages: [String], inbox: String) throws(ImageInboxError) -> Resolution {
        let source = SourceName(path: instruction)
        if isBundleFolder(source.directory) && !source.fileName.lowercased().hasSuffix(".edit") {
            let folder = source.directory
            let entries = (FileSystem.directoryEntries(folder) ?? []).filter { !$0.hasPrefix(".") }
            let images = entries.filter { entry in
                let name = SourceName(path: entry)
                return imageExtensions.contains(name.fileExtension) && entry.lowercased() != "mask.png" && !isResult(entry)
            }
            guard !images.isEmpty else { return .waiting(missing: ["an image in \(SourceName(path: folder).fileName)"]) }
            let mask = entries.first { $0.lowercased() == "mask.png" }.map { folder + "/" + $0 }
            return .ready(EditBundle(form: .folder, instruction: instruction, images: images.map { folder + "/" + $0 }, mask: mask, resultStem: folder + "/result"))
        }
        let stem = source.stem
        let folder = source.directory
        let baseName = SourceName(path: stem).fileName
        let entries = FileSystem.directoryEntries(folder) ?? []
        // The base keeps its name's case on the share (Cat.PNG), so match case-insensitively.
        let base = imageExtensions.sorted().lazy.compactMap { ext in
            entries.first { $0.lowercased() == (baseName + "." + ext).lowercased() }
        }.first
        guard let base else { return .waiting(missing: ["\(baseName).png (or .jpg, .jpeg, .webp)"]) }
        var images = [folder + "/" + base]
        var missing: [String] = []
        for extra in extraImages {
            let path = try inside(inbox: inbox, folder: folder, relative: extra)
            switch FileSystem.lookUp(path) {
            case .success: images.append(path)
            case .failure(let error) where error.code == ENOENT: missing.append(extra)
            case .failure(let error):
                // A link on the way is refused at once: waiting would not make it a file of the inbox.
                throw ImageInboxError(
                    code: .invalidSource,
                    message: error.code == ELOOP || error.code == ENOTDIR
                        ? "images: \(extra) goes through a symbolic link; image-inbox never follows links. List files that are in the folder itself."
                        : FileSystem.refusal(of: "The image '\(extra)' listed under images:", error.code)
                )
            }
        }
        if !missing.isEmpty { return .waiting(missing: missing) }
        let mask = entries.first { $0.lowercased() == (baseName + ".mask.png").lowercased() }.map { folder + "/" + $0 }
        return .ready(EditBundle(form: .sidecar, instruction: instruction, images: images, mask: mask, resultStem: stem + ".edited"))
    }

    /// `relative` resolved against `folder`, refused when it leaves the inbox.
    private static func inside(inbox: String, folder: String, relative: String) throws(ImageInboxError) -> String {
        let joined = relative.hasPrefix("/") ? relative : folder + "/" + relative
        let path = URL(fileURLWithPath: joined).standardizedFileURL.path
        guard path.hasPrefix(inbox + "/") else {
            throw ImageInboxError(
                code: .invalidSource,
                message: "The image '\(relative)' listed under images: is outside the inbox; image-inbox only uses images inside it. "
                    + "Copy it into the folder and list it by name."
            )
        }
        return path
    }
}
