import AsyncHTTPClient
import Foundation
import NIOCore

extension ImagesAPIClient {
    /// Reads a streamed answer (`stream: true`): each `….partial_image` event goes to `previews`
    /// as it arrives, each `….completed` event is a result with its usage, and an `error` event
    /// is the error it names.
    ///
    /// - Throws: ``ImageInboxError``; a stream that ends, or breaks, after partial images but
    ///   before its finished image is an unusable answer that was billed (as unreadable JSON is).
    func readStream(_ body: HTTPClientResponse.Body, previews: PreviewSink, requestID: String?) async throws -> GenerationResult {
        var parser = ServerSentEvents()
        var stream = StreamedAnswer()
        do {
            for try await chunk in body {
                for event in parser.feed(chunk.readableBytesView) { try await stream.take(event, previews: previews) }
            }
            for event in parser.finish() { try await stream.take(event, previews: previews) }
        } catch let error as ImageInboxError {
            throw error
        } catch {
            // The connection broke mid-stream: once images began to arrive, the request was paid.
            guard stream.began else { throw mapped(error) }
            throw StreamedAnswer.unfinished("broke off (\(configuration.apiKey.redact(String(describing: error))))")
        }
        guard !stream.images.isEmpty else { throw StreamedAnswer.unfinished(stream.began ? "ended after partial images" : "ended without an image") }
        return GenerationResult(images: stream.images, usage: stream.usage, requestID: requestID)
    }
}

/// What a streamed answer has delivered so far.
private struct StreamedAnswer {
    var images: [[UInt8]] = []
    var usage = APIUsage()
    /// Whether any image, partial or finished, arrived.
    var began = false

    mutating func take(_ event: ServerSentEvents.Event, previews: PreviewSink) async throws {
        let object = (try? JSONSerialization.jsonObject(with: Data(event.data.utf8))) as? [String: Any]
        let type = object?["type"] as? String ?? event.name ?? ""
        if type == "error" || event.name == "error" {
            throw Self.error(from: object)
        }
        let isPartial = type.hasSuffix(".partial_image")
        guard isPartial || type.hasSuffix(".completed") else { return }
        guard let base64 = object?["b64_json"] as? String, let bytes = Data(base64Encoded: base64) else {
            var unreadable = ImageInboxError(code: .invalidResponse, message: "The images API streamed an image event image-inbox cannot read; the request was billed.")
            unreadable.billed = usage
            throw unreadable
        }
        began = true
        if isPartial {
            await previews(images.count, Array(bytes))
        } else {
            images.append(Array(bytes))
            if let decoded = try? ImagesResponseBody.decode(Array(event.data.utf8)) { usage = usage + decoded.apiUsage }
        }
    }

    /// The error an `error` event names, classified as the same error in a JSON answer is.
    static func error(from object: [String: Any]?) -> ImageInboxError {
        let detail = object?["error"] as? [String: Any] ?? object ?? [:]
        let body = (try? JSONSerialization.data(withJSONObject: ["error": detail])) ?? Data()
        let serverSide = (detail["type"] as? String)?.contains("server") == true
        return APIErrorClassifier.classify(status: serverSide ? 500 : 400, body: Array(body))
    }

    /// A stream that stopped before its finished image: billed all the same, its cost unknown.
    static func unfinished(_ how: String) -> ImageInboxError {
        var error = ImageInboxError(
            code: .invalidResponse,
            message: "The images API's stream \(how) before the finished image; the request was billed."
        )
        error.billed = APIUsage()
        return error
    }
}
