#if canImport(Glibc)
import Glibc
#endif
import Inotify

/// Checks a bundle's files before any byte is uploaded: real PNG, JPEG or WebP by their magic
/// bytes, at most 16 images of at most 50 MB each, and a mask that is a PNG with an alpha
/// channel, the base image's width and height, and under the provider's limit. Links, pipes and
/// devices are refused without being opened through.
package struct EditBundleValidator: Sendable {
    /// The most images one edit takes.
    package var maximumImages = 16
    /// The largest image, in bytes (50 MB).
    package var maximumImageSize: Int64 = 50_000_000
    /// The largest mask, in bytes (4 MB on the AI/ML API and OpenAI).
    package var maximumMaskSize: Int64 = 4_000_000

    package init() {}

    /// The uploads for a bundle, or the reason it cannot be sent.
    package func validate(_ bundle: EditBundle) throws(ImageInboxError) -> (images: [EditRequest.Upload], mask: EditRequest.Upload?) {
        guard bundle.images.count <= maximumImages else {
            throw refusal("The bundle has \(bundle.images.count) images; an edit takes at most \(maximumImages). Remove some.")
        }
        var images: [EditRequest.Upload] = []
        var baseInfo: ImageInfo?
        for path in bundle.images {
            let (upload, info) = try inspect(path, limit: maximumImageSize, what: "image")
            images.append(upload)
            if baseInfo == nil { baseInfo = info }
        }
        guard let maskPath = bundle.mask else { return (images, nil) }
        let (mask, maskInfo) = try inspect(maskPath, limit: maximumMaskSize, what: "mask")
        let name = SourceName(path: maskPath).fileName
        guard maskInfo.format == .png else {
            throw refusal("The mask \"\(name)\" is a \(maskInfo.format.rawValue.uppercased()) file; a mask must be a PNG with transparency.")
        }
        guard maskInfo.hasAlpha else {
            throw refusal(
                "The mask \"\(name)\" has no transparency (alpha channel). Paint the area to change as fully transparent and save it as a PNG with alpha."
            )
        }
        if let base = baseInfo, base.width != maskInfo.width || base.height != maskInfo.height {
            throw refusal(
                "The mask \"\(name)\" is \(maskInfo.width)x\(maskInfo.height) but the image \"\(images[0].filename)\" is \(base.width)x\(base.height); they must be the same size."
            )
        }
        return (images, mask)
    }

    private func inspect(_ path: String, limit: Int64, what: String) throws(ImageInboxError) -> (EditRequest.Upload, ImageInfo) {
        let name = SourceName(path: path).fileName
        switch FileSystem.readPrefix(path, count: 1024 * 1024) {
        case .failure(let error):
            throw refusal(FileSystem.refusal(of: "The \(what) \"\(name)\"", error.code))
        case .success(let (bytes, identity)):
            let size = identity.size
            guard size <= limit else {
                throw refusal("The \(what) \"\(name)\" is \(megabytes(size)); the limit is \(megabytes(limit)). Make it smaller.")
            }
            // The edits endpoint takes no GIF or SVG, whatever the file is called.
            guard let info = ImageInfo(bytes: bytes), [.png, .jpeg, .webp].contains(info.format) else {
                throw refusal("The \(what) \"\(name)\" is not a PNG, JPEG or WebP image (renaming a file does not convert it). Export it as PNG.")
            }
            return (EditRequest.Upload(path: path, format: info.format, size: size, identity: identity), info)
        }
    }

    private func megabytes(_ bytes: Int64) -> String {
        let value = Double(bytes) / 1_000_000
        return value >= 10 ? "\(Int(value.rounded())) MB" : "\((value * 10).rounded() / 10) MB"
    }

    private func refusal(_ message: String) -> ImageInboxError {
        ImageInboxError(code: .invalidSource, message: message)
    }
}
