package import AsyncHTTPClient
import Foundation
package import Logging
import NIOCore
import NIOHTTP1

/// The images API over HTTP: `POST {base}/images/generations`, with results returned as
/// `b64_json` or as a `url` that is downloaded with the same client.
///
/// TLS is verified (AsyncHTTPClient's default). The API key goes only to the base URL's host,
/// never to the host of a result `url`.
package struct ImagesAPIClient: ImageGenerating {
    /// How to reach one provider.
    package struct Configuration: Sendable {
        /// What the provider accepts.
        package var profile: ProviderProfile
        /// The base URL, ending in `/v1` (no trailing slash needed).
        package var baseURL: String
        /// The API key.
        package var apiKey: APIKey
        /// How long one request may take, including the upload and the image download.
        package var requestTimeout: Duration
        /// `b64_json` or `url`, sent only where the provider accepts `response_format`.
        package var responseFormat: String

        package init(
            profile: ProviderProfile,
            baseURL: String,
            apiKey: APIKey,
            requestTimeout: Duration = .seconds(300),
            responseFormat: String = "b64_json"
        ) {
            self.profile = profile
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.apiKey = apiKey
            self.requestTimeout = requestTimeout
            self.responseFormat = responseFormat
        }
    }

    /// The largest response body read (a 3840x2160 PNG in base64 is well under this).
    static let maximumResponseSize = 128 * 1024 * 1024

    let configuration: Configuration
    private let httpClient: HTTPClient
    private let logger: Logger
    /// What AsyncHTTPClient logs to: the daemon's logger at `debug` and `trace`, else nothing.
    /// The client sets metadata on its logger for every request, which cost more CPU than the
    /// request's own JSON while at `info` none of it was printed.
    private let clientLogger: Logger
    /// Counts each request by its answer's status class, its duration and what it uploaded.
    private let metrics: DaemonMetrics?

    package init(configuration: Configuration, httpClient: HTTPClient, logger: Logger, metrics: DaemonMetrics? = nil) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
        self.metrics = metrics
        self.clientLogger = logger.logLevel <= .debug ? logger : Logger(label: logger.label, factory: { _ in SwiftLogNoOpLogHandler() })
    }

    package func generate(_ request: GenerationRequest, previews: PreviewSink?, beforeDownload: @escaping PendingDownload.Recorder) async throws -> GenerationResult {
        let parameters = request.parameters
        let streaming = previews != nil ? parameters.partialImages : nil
        let body = GenerationBody(
            model: parameters.model,
            prompt: request.prompt,
            n: request.imageCount > 1 ? request.imageCount : nil,
            size: parameters.size,
            quality: parameters.quality,
            output_format: parameters.formatWasChosen ? parameters.format.rawValue : nil,
            background: parameters.background,
            moderation: parameters.moderation,
            output_compression: parameters.compression,
            response_format: configuration.profile.sendsResponseFormat ? configuration.responseFormat : nil,
            stream: streaming.map { _ in true },
            partial_images: streaming,
            complexity: parameters.complexity,
            frame_count: parameters.gifFrames,
            frame_duration_ms: parameters.gifFrameDurationMilliseconds
        )
        var httpRequest = authorizedRequest(path: "/images/generations", streaming: streaming != nil)
        httpRequest.headers.add(name: "Content-Type", value: "application/json")
        let encoded = try JSONEncoder().encode(body)
        httpRequest.body = .bytes(ByteBuffer(bytes: encoded))
        let call = Call(endpoint: "generations", model: modelLabel(parameters.model), uploadedBytes: encoded.count)
        return try await perform(httpRequest, call, previews: streaming.flatMap { _ in previews }, beforeDownload: beforeDownload)
    }

    package func edit(_ request: EditRequest, previews: PreviewSink?, beforeDownload: @escaping PendingDownload.Recorder) async throws -> GenerationResult {
        let parameters = request.parameters
        let streaming = previews != nil ? parameters.partialImages : nil
        var fields: [(String, String?)] = [
            ("model", parameters.model),
            ("prompt", request.prompt),
            ("n", request.imageCount > 1 ? String(request.imageCount) : nil),
            ("size", parameters.size),
            ("quality", parameters.quality),
            ("output_format", parameters.formatWasChosen ? parameters.format.rawValue : nil),
            ("background", parameters.background),
            ("output_compression", parameters.compression.map(String.init)),
            ("stream", streaming.map { _ in "true" }),
            ("partial_images", streaming.map(String.init)),
            ("complexity", parameters.complexity),
            ("input_fidelity", parameters.inputFidelity),
            ("frame_count", parameters.gifFrames.map(String.init)),
            ("frame_duration_ms", parameters.gifFrameDurationMilliseconds.map(String.init)),
        ]
        if configuration.profile.sendsResponseFormat { fields.append(("response_format", configuration.responseFormat)) }
        var parts: [MultipartBody.Part] = fields.compactMap { name, value in value.map { .field(name: name, value: $0) } }
        // One image goes as `image`, several as repeated `image[]`.
        let imageField = request.images.count == 1 ? "image" : "image[]"
        for image in request.images {
            parts.append(.file(name: imageField, path: image.path, filename: image.filename, contentType: image.format.mimeType, size: image.size, identity: image.identity))
        }
        if let mask = request.mask {
            parts.append(.file(name: "mask", path: mask.path, filename: mask.filename, contentType: mask.format.mimeType, size: mask.size, identity: mask.identity))
        }
        let body = MultipartBody(parts: parts)
        var httpRequest = authorizedRequest(path: "/images/edits", streaming: streaming != nil)
        httpRequest.headers.add(name: "Content-Type", value: body.contentType)
        httpRequest.body = .stream(body.chunks(), length: .known(body.contentLength))
        let call = Call(endpoint: "edits", model: modelLabel(parameters.model), uploadedBytes: Int(body.contentLength))
        return try await perform(httpRequest, call, previews: streaming.flatMap { _ in previews }, beforeDownload: beforeDownload)
    }

    private func authorizedRequest(path: String, streaming: Bool = false) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: configuration.baseURL + path)
        request.method = .POST
        request.headers.add(name: "Accept", value: streaming ? "text/event-stream" : "application/json")
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.apiKey.value)")
        request.headers.add(name: "User-Agent", value: "image-inbox/\(ImageInboxVersion.current)")
        return request
    }

    private func modelLabel(_ model: String) -> String {
        DaemonMetrics.modelLabel(model, providerDefault: configuration.profile.defaultModel)
    }

    /// What a request is, for its metrics.
    private struct Call {
        var endpoint: String
        var model: String
        var uploadedBytes: Int
    }

    /// Sends a request and turns its answer into images or a typed error.
    ///
    /// - Parameter previews: Set when the request asked for a stream: told of its partial images.
    private func perform(
        _ httpRequest: HTTPClientRequest,
        _ call: Call,
        previews: PreviewSink? = nil,
        beforeDownload: PendingDownload.Recorder
    ) async throws -> GenerationResult {
        let timeout = configuration.requestTimeout.components
        let deadline = NIODeadline.now() + .nanoseconds(timeout.seconds * 1_000_000_000 + timeout.attoseconds / 1_000_000_000)
        let started = ContinuousClock.now
        var answered: Int?
        defer {
            metrics?.requestEnded(
                provider: configuration.profile.kind.rawValue, model: call.model, endpoint: call.endpoint, status: answered,
                seconds: (ContinuousClock.now - started).seconds, uploadedBytes: call.uploadedBytes
            )
        }
        let response = try await open(httpRequest, deadline: deadline)
        let (status, headers) = (Int(response.status.code), response.headers)
        answered = status
        let requestID = headers.first(name: "x-request-id")
        let rateLimit = RateLimitHeaders(
            remainingRequests: headers.first(name: "x-ratelimit-remaining-requests"),
            resetRequests: headers.first(name: "x-ratelimit-reset-requests"),
            remainingTokens: headers.first(name: "x-ratelimit-remaining-tokens"),
            resetTokens: headers.first(name: "x-ratelimit-reset-tokens")
        )
        do {
            var result: GenerationResult
            if let previews, status == 200, headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true {
                result = try await readStream(response.body, previews: previews, requestID: requestID)
            } else {
                let bytes = try await collect(response.body)
                result = try await read(status: status, headers: headers, body: bytes, deadline: deadline, requestID: requestID, beforeDownload: beforeDownload)
            }
            result.rateLimitWait = rateLimit.wait
            return result
        } catch var error as ImageInboxError {
            error.requestID = requestID
            if error.code == .rateLimited, error.retryAfter == nil { error.retryAfter = rateLimit.wait }
            throw error
        }
    }

    /// Turns an answer into images, or into the typed error it stands for.
    private func read(
        status: Int,
        headers: HTTPHeaders,
        body bytes: [UInt8],
        deadline: NIODeadline,
        requestID: String?,
        beforeDownload: PendingDownload.Recorder
    ) async throws -> GenerationResult {
        guard status == 200 else {
            throw APIErrorClassifier.classify(
                status: status,
                body: bytes,
                retryAfter: headers.first(name: "retry-after"),
                retryAfterMilliseconds: headers.first(name: "retry-after-ms"),
                shouldRetry: headers.first(name: "x-should-retry")
            )
        }
        let decoded: ImagesResponseBody
        do {
            decoded = try ImagesResponseBody.decode(bytes)
        } catch {
            var unreadable = ImageInboxError(
                code: .invalidResponse,
                message: "The images API answered, and billed the request, but with JSON image-inbox cannot read.",
                cause: error
            )
            // The cost is not in an unreadable answer; it was paid all the same.
            unreadable.billed = APIUsage()
            throw unreadable
        }
        let items = decoded.data ?? []
        let urls = items.compactMap { $0.base64 == nil ? $0.url : nil }
        if !urls.isEmpty, urls.count == items.count {
            // Paid for: recorded before the download, which a stop may interrupt.
            await beforeDownload(PendingDownload(urls: urls, usage: decoded.apiUsage, requestID: requestID))
        }
        var images: [[UInt8]] = []
        for item in items {
            do {
                images.append(try await image(from: item, deadline: deadline))
            } catch var error as ImageInboxError {
                // The request was answered: whatever went wrong after, it was billed.
                error.billed = decoded.apiUsage
                throw error
            }
        }
        guard !images.isEmpty else {
            var empty = ImageInboxError(code: .invalidResponse, message: "The images API answered, and billed the request, but without any image.")
            empty.billed = decoded.apiUsage
            throw empty
        }
        return GenerationResult(images: images, usage: decoded.apiUsage, requestID: requestID)
    }

    package func download(_ pending: PendingDownload) async throws -> GenerationResult {
        var images: [[UInt8]] = []
        for url in pending.urls {
            do {
                images.append(try await download(url))
            } catch var error as ImageInboxError {
                error.billed = pending.usage
                error.requestID = pending.requestID
                throw error
            }
        }
        return GenerationResult(images: images, usage: pending.usage, requestID: pending.requestID)
    }

    private func image(from item: ImagesResponseBody.Item, deadline: NIODeadline) async throws -> [UInt8] {
        let bytes: [UInt8]
        if let base64 = item.base64 {
            // Strict decoding is twice as fast; line breaks in the base64 (allowed, never seen)
            // take the lenient path.
            let encoded = Data(base64)
            guard let data = Data(base64Encoded: encoded) ?? Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) else {
                throw ImageInboxError(code: .invalidResponse, message: "The images API answered, and billed the request, but sent an image that is not valid base64.")
            }
            // One copy; `[UInt8](data)` goes byte by byte (3 ms for a 1.5 MB image).
            bytes = data.withUnsafeBytes { [UInt8]($0) }
        } else if let url = item.url {
            bytes = try await download(url)
        } else {
            throw ImageInboxError(code: .invalidResponse, message: "The images API answered, and billed the request, but sent an entry with neither an image nor a URL.")
        }
        guard ImageFormat(sniffing: bytes) != nil else {
            throw ImageInboxError(code: .invalidResponse, message: "The images API answered, and billed the request, but sent data that is not a PNG, JPEG, WebP, GIF or SVG image.")
        }
        return bytes
    }

    /// How many times a result is downloaded before it is given up, and the first wait between
    /// tries (doubling, at most 30 s): about two minutes in all.
    static let downloadAttempts = 8
    static let firstDownloadDelay: Duration = .milliseconds(500)

    /// Downloads a `url` result, trying again on its own (a failed download is not a failed
    /// generation: asking the API again would pay again). A link that is gone (403, 404, 410)
    /// is not tried again.
    private func download(_ url: String) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "User-Agent", value: "image-inbox/\(ImageInboxVersion.current)")
        var delay = Self.firstDownloadDelay
        var lastProblem = ""
        for attempt in 1...Self.downloadAttempts {
            let timeout = min(configuration.requestTimeout, .seconds(120)).components
            let deadline = NIODeadline.now() + .nanoseconds(timeout.seconds * 1_000_000_000 + timeout.attoseconds / 1_000_000_000)
            do {
                let (status, _, body) = try await send(request, deadline: deadline)
                if status == 200, let format = ImageFormat(sniffing: body), format.isWhole(body) { return body }
                if [403, 404, 410].contains(status) {
                    throw ImageInboxError(
                        code: .resultUnavailable,
                        message: "The image was made and paid for, but its download link answered HTTP \(status) (it expired or is gone). "
                            + "Save the file again to have it made again, which is paid again."
                    )
                }
                lastProblem = status == 200 ? "the download was not a whole image" : "HTTP \(status)"
            } catch let error as ImageInboxError where error.code == .connectionFailed || error.code == .timedOut {
                lastProblem = error.message
            }
            guard attempt < Self.downloadAttempts else { break }
            logger.warning("Downloading the result failed, will download again", metadata: ["error": "\(lastProblem)", "retry.attempt": "\(attempt)"])
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(30))
        }
        throw ImageInboxError(
            code: .resultUnavailable,
            message: "The image was made and paid for, but downloading it failed \(Self.downloadAttempts) times over two minutes (\(lastProblem)). "
                + "Save the file again to have it made again, which is paid again."
        )
    }

    private func send(_ request: HTTPClientRequest, deadline: NIODeadline) async throws -> (Int, HTTPHeaders, [UInt8]) {
        let response = try await open(request, deadline: deadline)
        return (Int(response.status.code), response.headers, try await collect(response.body))
    }

    /// Sends a request and waits for the head of its answer.
    private func open(_ request: HTTPClientRequest, deadline: NIODeadline) async throws -> HTTPClientResponse {
        do {
            return try await httpClient.execute(request, deadline: deadline, logger: clientLogger)
        } catch {
            throw mapped(error)
        }
    }

    /// Reads an answer's whole body.
    private func collect(_ body: HTTPClientResponse.Body) async throws -> [UInt8] {
        do {
            return Array(buffer: try await body.collect(upTo: Self.maximumResponseSize))
        } catch {
            throw mapped(error)
        }
    }

    /// A failure to reach the API or to hear its answer, as the error that says what to do.
    func mapped(_ error: any Error) -> any Error {
        APIFailure.mapped(
            error,
            key: configuration.apiKey,
            timedOut: "The images API did not answer within \(configuration.requestTimeout.components.seconds) s.",
            unreachable: "Can't reach the images API at \(configuration.baseURL)"
        )
    }
}

extension ResolvedParameters {
    /// `frame_count`, sent only with `output_format: gif`.
    fileprivate var gifFrames: Int? {
        format == .gif ? frames : nil
    }

    /// `frame_duration_ms`, sent only with `output_format: gif`.
    fileprivate var gifFrameDurationMilliseconds: Int? {
        format == .gif ? frameDurationMilliseconds : nil
    }
}
