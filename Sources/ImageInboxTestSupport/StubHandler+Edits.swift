import Foundation
import HTTPTypes
import Hummingbird
import ImageInbox
import NIOCore

extension StubHandler {
    /// `POST /v1/images/edits`: a multipart form checked as the real API checks it.
    func edit(_ request: Request) async throws -> Response {
        let path = request.uri.path
        let contentType = request.headers[.contentType] ?? ""
        let boundary = contentType.split(separator: ";").compactMap { piece -> String? in
            let trimmed = piece.trimmingCharacters(in: .whitespaces)
            return trimmed.hasPrefix("boundary=") ? String(trimmed.dropFirst(9)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) : nil
        }.first
        var size = 0
        var body: [UInt8] = []
        for try await buffer in request.body {
            size += buffer.readableBytes
            if keepsUploads { body += buffer.readableBytesView } else if body.count < 256 { body += buffer.readableBytesView.prefix(256) }
        }
        let parts = keepsUploads ? boundary.flatMap { StubPart.parse(body, boundary: $0) } : nil
        var fields: [String: String] = [:]
        for part in parts ?? [] where part.filename == nil { fields[part.name] = part.text }
        let recorded = StubRequest(
            method: "POST", path: path, authorization: request.headers[.authorization], contentType: contentType,
            body: keepsUploads ? body : [], fields: fields, parts: parts ?? [], bodySize: size
        )
        let latency = store.withState { state -> Int in
            state.requests.append(recorded)
            return Int.random(in: state.latency)
        }
        if latency > 0 { try await Task.sleep(for: .milliseconds(latency)) }

        guard request.headers[.authorization] == "Bearer \(apiKey)" else {
            return error(401, "Invalid API key provided.", code: "invalid_api_key", path: path)
        }
        guard contentType.hasPrefix("multipart/form-data"), let boundary, body.starts(with: Array("--\(boundary)".utf8)) else {
            return error(400, "The body must be multipart/form-data.", path: path)
        }
        guard keepsUploads else {
            return respond(ValidGeneration(width: 1024, height: 1024, format: .png, transparent: false, n: 1, responseFormat: "b64_json"), authority: request.head.authority ?? "127.0.0.1")
        }
        guard let parts else { return error(400, "The multipart body is malformed.", path: path) }
        switch validateEdit(parts) {
        case .failure(let problem):
            return error(problem.status, problem.message, code: problem.code, param: problem.param, path: path)
        case .success(let valid):
            if valid.stream { return respondStreaming(valid, kind: "image_edit", fault: nil) }
            return respond(valid, authority: request.head.authority ?? "127.0.0.1")
        }
    }

    private func validateEdit(_ parts: [StubPart]) -> Result<ValidGeneration, StubProblem> {
        func bad(_ message: String, _ param: String) -> Result<ValidGeneration, StubProblem> {
            .failure(StubProblem(status: 400, message: message, code: "invalid_value", param: param))
        }
        var allowed: Set<String> = ["model", "prompt", "image", "image[]", "mask", "size", "quality", "output_format", "background", "n", "output_compression", "response_format"]
        // The edit endpoint streams where generations do (OpenAI's spec: stream, partial_images).
        allowed.formUnion(profile.generationFields.intersection(["stream", "partial_images", "complexity", "frame_count", "frame_duration_ms"]))
        // OpenAI's edit endpoint takes input_fidelity (which models do is the catalogue's to say).
        if !profile.isAIMLAPI { allowed.insert("input_fidelity") }
        for part in parts where !allowed.contains(part.name) { return bad("Unknown parameter: '\(part.name)'.", part.name) }
        let images = parts.filter { $0.name == "image" || $0.name == "image[]" }
        let plain = images.filter { $0.name == "image" }.count
        guard !images.isEmpty else { return bad("image is required.", "image") }
        guard plain == 0 || (plain == 1 && images.count == 1) else { return bad("Send one image as 'image' or several as 'image[]'.", "image") }
        guard images.count <= 16 else { return bad("At most 16 images.", "image") }
        var infos: [ImageInfo] = []
        for image in images {
            guard image.filename?.isEmpty == false else { return bad("Every image needs a filename.", "image") }
            guard let info = ImageInfo(bytes: image.bytes), image.contentType == info.format.mimeType else {
                return bad("Invalid image file or mode for image '\(image.filename ?? "")'.", "image")
            }
            guard image.bytes.count <= 50_000_000 else { return bad("Each image must be under 50MB.", "image") }
            infos.append(info)
        }
        if let mask = parts.first(where: { $0.name == "mask" }) {
            guard let info = ImageInfo(bytes: mask.bytes), info.format == .png, mask.contentType == "image/png" else { return bad("The mask must be a PNG.", "mask") }
            guard info.hasAlpha else { return bad("The mask must have an alpha channel.", "mask") }
            guard info.width == infos[0].width, info.height == infos[0].height else { return bad("The mask must match the image dimensions.", "mask") }
            guard mask.bytes.count < 4_000_000 else { return bad("The mask must be under 4MB.", "mask") }
        }
        var fields: [String: Any] = [:]
        for part in parts where part.filename == nil {
            // Form fields are text: the schema's booleans are "true"/"false".
            fields[part.name] = part.name == "stream" ? (Bool(part.text).map { $0 as Any } ?? part.text) : Int(part.text).map { $0 as Any } ?? part.text
        }
        // Everything but the files follows the generation schema, except that n may be up to 10.
        fields["n"] = nil
        var result = validate(fields.filter { $0.key != "image" && $0.key != "image[]" && $0.key != "mask" })
        if let text = parts.first(where: { $0.name == "n" })?.text {
            guard let n = Int(text), (1...10).contains(n) else { return bad("n must be from 1 to 10.", "n") }
            if case .success(var valid) = result {
                valid.n = n
                result = .success(valid)
            }
        }
        return result
    }
}
