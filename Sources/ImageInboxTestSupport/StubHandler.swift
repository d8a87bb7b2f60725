import Foundation
import HTTPTypes
import Hummingbird
import ImageInbox
import NIOCore

/// How ``ImagesAPIStub`` answers, apart from its lifecycle.
struct StubHandler: Sendable {
    let profile: StubProfile
    let apiKey: String
    let store: StubStore
    var keepsUploads = true

    func generation(_ request: Request) async throws -> Response {
        let arrival = Date().timeIntervalSince1970
        var request = request
        let body = Array(buffer: try await request.collectBody(upTo: 64 * 1024 * 1024))
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        var recorded = StubRequest(
            method: "POST",
            path: request.uri.path,
            authorization: request.headers[.authorization],
            contentType: request.headers[.contentType],
            body: body,
            fields: (object ?? [:]).mapValues { "\($0)" }
        )
        recorded.arrival = arrival
        let (fault, latency) = store.withState { state -> (StubFault?, Int) in
            state.requests.append(recorded)
            // As a provider's concurrency limit does: the request over it is refused at once.
            if let limit = state.concurrencyLimit, state.inFlight > limit {
                state.refusedForConcurrency += 1
                return (.status(429, body: rateLimitBody, headers: [:]), 0)
            }
            state.generations += 1
            if let numbered = state.faultsByNumber.removeValue(forKey: state.generations) { return (numbered, Int.random(in: state.latency)) }
            let fault = state.faults.isEmpty ? state.randomFaults?.draw() : state.faults.removeFirst()
            return (fault, Int.random(in: state.latency))
        }
        if latency > 0 { try await Task.sleep(for: .milliseconds(latency)) }
        var pending = fault
        while case .delay(let duration)? = pending {
            try await Task.sleep(for: duration)
            pending = store.withState { $0.faults.isEmpty ? nil : $0.faults.removeFirst() }
        }
        switch pending {
        case .status(let code, let text, let headers)?:
            var fields = HTTPFields()
            fields[.contentType] = "application/json"
            for (name, value) in headers { if let name = HTTPField.Name(name) { fields[name] = value } }
            return Response(status: .init(code: code), headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
        case .malformedJSON?:
            return json(200, "{\"data\": [ {\"b64_json\": ")
        case .badBase64?:
            return json(200, "{\"created\": 1, \"data\": [{\"b64_json\": \"%%% not base64 %%%\"}]}")
        case .missingURL?:
            return json(200, "{\"created\": 1, \"data\": [{\"url\": \"http://\(request.head.authority ?? "127.0.0.1")/files/expired.png\"}]}")
        case .dropConnection?:
            var fields = HTTPFields()
            fields[.contentType] = "application/json"
            return Response(
                status: .ok,
                headers: fields,
                body: ResponseBody(contentLength: 4096) { writer in
                    try await writer.write(ByteBuffer(string: "{\"created\": 1, \"data\": [{\"b64_json\": \"iVBORw0KGgo"))
                    throw CancellationError()
                }
            )
        case .delay?, .lineBrokenBase64?, .streamError?, .streamDrop?, nil:
            break
        }

        guard request.headers[.authorization] == "Bearer \(apiKey)" else {
            return error(401, "Invalid API key provided.", code: "invalid_api_key", path: request.uri.path)
        }
        guard request.headers[.contentType]?.hasPrefix("application/json") == true else {
            return error(415, "Content-Type must be application/json.", path: request.uri.path)
        }
        guard let object else {
            return error(400, "The body is not a JSON object.", path: request.uri.path)
        }
        switch validate(object) {
        case .failure(let problem):
            return error(problem.status, problem.message, code: problem.code, param: problem.param, path: request.uri.path)
        case .success(let valid):
            let prompt = object["prompt"].map { "\($0)" } ?? ""
            store.withState { $0.paidPrompts.append(prompt) }
            if valid.stream { return respondStreaming(valid, kind: "image_generation", fault: pending) }
            return respond(valid, authority: request.head.authority ?? "127.0.0.1", breakingLines: pending.map { if case .lineBrokenBase64 = $0 { true } else { false } } ?? false)
        }
    }

    /// A 429 in the provider's shape.
    private var rateLimitBody: String {
        profile.isAIMLAPI
            ? #"{"message":"Too many concurrent requests","statusCode":429,"path":"/v1/images/generations"}"#
            : #"{"error":{"message":"Rate limit reached for concurrent requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#
    }

    /// What the stub received, for tests in other processes: the count and prompts of the
    /// generation requests and every `Authorization` header's key check.
    func summary() -> Response {
        let requests = store.withState { $0.requests }
        let generations = requests.filter { $0.path == "/v1/images/generations" }
        let edits = requests.filter { $0.path == "/v1/images/edits" }
        let body: [String: Any] = [
            "generations": generations.count,
            "edits": edits.count,
            "edit_bytes": edits.map(\.bodySize),
            "prompts": generations.map { $0.fields["prompt"] ?? "" },
            "authorized": generations.allSatisfy { $0.authorization == "Bearer \(apiKey)" },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        return json(200, String(decoding: data, as: UTF8.self))
    }

    /// Figures for benchmarks in other processes: request counts, the most requests answered at
    /// once, and when each generation arrived (`[prompt, seconds since 1970]`).
    func statistics() -> Response {
        let (requests, inFlight, maximum) = store.withState { ($0.requests, $0.inFlight, $0.maximumInFlight) }
        let generations = requests.filter { $0.path == "/v1/images/generations" }
        let body: [String: Any] = [
            "generations": generations.count,
            "edits": requests.filter { $0.path == "/v1/images/edits" }.count,
            "in_flight": inFlight,
            "max_in_flight": maximum,
            "arrivals": generations.map { [$0.fields["prompt"] ?? "", $0.arrival] as [Any] },
            // Each edit's files as uploaded (when the stub keeps uploads): name, size, SHA-256.
            "edit_files": requests.filter { $0.path == "/v1/images/edits" }.map { request in
                request.parts.compactMap { part in part.filename.map { [$0, part.bytes.count, ContentHash.of(part.bytes)] as [Any] } }
            },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        return json(200, String(decoding: data, as: UTF8.self))
    }

    func file(named name: String, authorization: String?) -> Response {
        let recorded = StubRequest(method: "GET", path: "/files/\(name)", authorization: authorization, contentType: nil, body: [], fields: [:])
        let (stored, failing) = store.withState { state -> ([UInt8]?, Int?) in
            state.requests.append(recorded)
            state.downloadsByFile[name, default: 0] += 1
            let count = state.downloadsByFile[name] ?? 0
            return (state.files[name], count <= state.failedDownloadsPerFile ? count : nil)
        }
        guard let bytes = stored else {
            return Response(status: .notFound)
        }
        // A CDN's bad moments, by turns: a 503, then a body cut short.
        if let failing {
            guard failing.isMultiple(of: 2) else { return Response(status: .serviceUnavailable) }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: bytes.prefix(16))))
        }
        var fields = HTTPFields()
        fields[.contentType] = ImageFormat(sniffing: bytes)?.mimeType ?? "application/octet-stream"
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func respond(_ valid: ValidGeneration, authority: String, breakingLines: Bool = false) -> Response {
        let frames = valid.format == .gif ? valid.frames : 1
        let key = "\(valid.width)x\(valid.height).\(valid.format.rawValue).\(valid.transparent).\(frames).\(valid.frameDurationMilliseconds)"
        let image = store.withState { state in
            if let cached = state.imageCache[key] { return cached }
            let rendered = PlaceholderImage.render(
                width: valid.width, height: valid.height, format: valid.format, seed: UInt64(key.hashValue.magnitude), transparent: valid.transparent,
                frames: frames, frameDurationMilliseconds: valid.frameDurationMilliseconds
            )
            state.imageCache[key] = rendered
            return rendered
        }
        var items: [[String: Any]] = []
        for _ in 0..<valid.n {
            if valid.responseFormat == "url" {
                let name = store.withState { state -> String in
                    state.nextFile += 1
                    let name = "image-\(state.nextFile).\(valid.format.fileExtension)"
                    state.files[name] = image
                    return name
                }
                items.append(["url": "http://\(authority)/files/\(name)", "b64_json": NSNull(), "revised_prompt": NSNull()])
            } else {
                items.append(["b64_json": Self.base64Placeholder])
            }
        }
        var body: [String: Any] = ["created": Int(Date().timeIntervalSince1970), "data": items]
        let outputTokens = valid.width * valid.height / 256 * valid.n
        if profile.isAIMLAPI {
            // At the AI/ML API's rate of $5 × 10⁻⁷ a credit. Its gpt-image-1.5 reports only credits
            // (seed 003's schema), with the chat-style token names of its example, all zero.
            let credits = outputTokens * 80
            if valid.model == "openai/gpt-image-1-5" {
                body["meta"] = ["usage": ["credits_used": credits]]
                body["usage"] = ["prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0]
            } else {
                body["meta"] = ["usage": ["credits_used": credits, "usd_spent": Double(credits) * 0.000_000_5]]
            }
        } else {
            body["usage"] = ["total_tokens": outputTokens + 50, "input_tokens": 50, "output_tokens": outputTokens,
                             "input_tokens_details": ["text_tokens": 50, "image_tokens": 0]]
            body["output_format"] = valid.format.rawValue
            if valid.format == .svg { body["svg_usage"] = svgUsage(model: valid.model, images: valid.n) }
        }
        // Slashes unescaped, as real APIs send base64.
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.withoutEscapingSlashes])) ?? Data()
        // The base64 goes in after serializing: JSONSerialization walks a string character by
        // character, which made the stub spend more CPU per answer than the daemon it measures.
        let pieces = String(decoding: data, as: UTF8.self).components(separatedBy: Self.base64Placeholder)
        var base64 = pieces.count > 1 ? encoded(image, key: key) : ""
        if breakingLines {
            // JSON's escaped newline between lines of 76, as a MIME encoder would write them.
            base64 = stride(from: 0, to: base64.utf8.count, by: 76).map { start in
                String(base64.utf8.dropFirst(start).prefix(76))!
            }.joined(separator: "\\n")
        }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(data.count + base64.utf8.count * (pieces.count - 1))
        for (index, piece) in pieces.enumerated() {
            if index > 0 { buffer.writeString(base64) }
            buffer.writeString(piece)
        }
        return json(200, buffer)
    }

    /// Stands for the image's base64 in the serialized answer until it is spliced in.
    private static let base64Placeholder = "@image-base64@"

    /// The base64 of a cached image, encoded once.
    private func encoded(_ image: [UInt8], key: String) -> String {
        store.withState { state in
            if let cached = state.base64Cache[key] { return cached }
            let encoded = Data(image).base64EncodedString()
            state.base64Cache[key] = encoded
            return encoded
        }
    }

    func json(_ status: Int, _ text: String) -> Response {
        json(status, ByteBuffer(string: text))
    }

    func json(_ status: Int, _ body: ByteBuffer) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: body))
    }

    func error(_ status: Int, _ message: String, code: String? = nil, param: String? = nil, path: String) -> Response {
        let body: [String: Any]
        if profile.isAIMLAPI {
            body = [
                "message": message, "statusCode": status, "path": path,
                "requestId": UUID().uuidString, "timestamp": ISO8601DateFormatter().string(from: Date()),
            ]
        } else {
            body = ["error": ["message": message, "type": "invalid_request_error", "param": (param as Any?) ?? NSNull(), "code": (code as Any?) ?? NSNull()]]
        }
        let data = (try? JSONSerialization.data(withJSONObject: body)) ?? Data()
        return json(status, String(decoding: data, as: UTF8.self))
    }
}
