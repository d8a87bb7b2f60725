/// One request to `POST /images/generations`.
package struct GenerationRequest: Sendable, Equatable {
    /// The prompt, as written.
    package var prompt: String
    /// The checked parameters.
    package var parameters: ResolvedParameters
    /// How many images this request asks for (`n`); a larger count is split into several requests.
    package var imageCount: Int

    package init(prompt: String, parameters: ResolvedParameters, imageCount: Int = 1) {
        self.prompt = prompt
        self.parameters = parameters
        self.imageCount = imageCount
    }
}

/// One request to `POST /images/edits`: an instruction, images (the first is the base) and an
/// optional mask, all checked locally and streamed from disk.
package struct EditRequest: Sendable, Equatable {
    /// One image file to upload.
    package struct Upload: Sendable, Equatable {
        /// Where it is.
        package var path: String
        /// Its format, by magic bytes.
        package var format: ImageFormat
        /// Its size in bytes when it was checked.
        package var size: Int64
        /// What the file was when it was checked: it is hashed and sent only while it still is.
        package var identity: FileSystem.Identity?

        package init(path: String, format: ImageFormat, size: Int64, identity: FileSystem.Identity? = nil) {
            self.path = path
            self.format = format
            self.size = size
            self.identity = identity
        }

        /// The file name sent with it.
        package var filename: String { SourceName(path: path).fileName }
    }

    /// The instruction.
    package var prompt: String
    /// The checked parameters.
    package var parameters: ResolvedParameters
    /// The images, base first.
    package var images: [Upload]
    /// The mask, if any.
    package var mask: Upload?
    /// How many images to make.
    package var imageCount: Int

    package init(prompt: String, parameters: ResolvedParameters, images: [Upload], mask: Upload? = nil, imageCount: Int = 1) {
        self.prompt = prompt
        self.parameters = parameters
        self.images = images
        self.mask = mask
        self.imageCount = imageCount
    }
}

/// What one images request returned.
package struct GenerationResult: Sendable {
    /// The images, as the encoded file bytes.
    package var images: [[UInt8]]
    /// What the provider reported it cost.
    package var usage: APIUsage
    /// The provider's id of the request (`x-request-id`), for its support.
    package var requestID: String?
    /// How long every request should wait because the API said none are left until then.
    package var rateLimitWait: Duration?

    package init(images: [[UInt8]], usage: APIUsage, requestID: String? = nil) {
        self.images = images
        self.usage = usage
        self.requestID = requestID
    }
}

/// Told of a partial image of a streaming answer: the index of the image it previews (from 0)
/// and its bytes, in the result's format.
package typealias PreviewSink = @Sendable (_ output: Int, _ image: [UInt8]) async -> Void

/// Makes images from prompts: the images API, or the offline placeholder renderer.
///
/// The seam between the job runner and the network. An implementation throws
/// ``ImageInboxError`` whose code says whether trying again can help.
package protocol ImageGenerating: Sendable {
    /// Makes `request.imageCount` images.
    ///
    /// - Parameters:
    ///   - previews: Told of each partial image while the answer streams in, when the request
    ///     asks for them (`partialImages`) and the provider streams; nil: none asked for.
    ///   - beforeDownload: Told of an answer with `url` results before they are downloaded (the
    ///     job runner records it, so that a stop in between pays nothing again).
    func generate(_ request: GenerationRequest, previews: PreviewSink?, beforeDownload: @escaping PendingDownload.Recorder) async throws -> GenerationResult
    /// Edits images: makes `request.imageCount` images from the images, mask and instruction.
    func edit(_ request: EditRequest, previews: PreviewSink?, beforeDownload: @escaping PendingDownload.Recorder) async throws -> GenerationResult
    /// Downloads the images of an answer recorded before a stop.
    func download(_ pending: PendingDownload) async throws -> GenerationResult
}

extension ImageGenerating {
    /// Makes `request.imageCount` images, with nobody to tell of an answer before its download.
    package func generate(_ request: GenerationRequest) async throws -> GenerationResult {
        try await generate(request, previews: nil, beforeDownload: { _ in })
    }

    /// Edits images, with nobody to tell of an answer before its download.
    package func edit(_ request: EditRequest) async throws -> GenerationResult {
        try await edit(request, previews: nil, beforeDownload: { _ in })
    }

    /// A generator without `url` results has nothing to download.
    package func download(_ pending: PendingDownload) async throws -> GenerationResult {
        var error = ImageInboxError(code: .resultUnavailable, message: "The image was made and paid for, but this provider cannot download it again.")
        error.billed = pending.usage
        throw error
    }
}
