/// A scripted misbehaviour of ``ImagesAPIStub`` for the next request.
package enum StubFault: Sendable {
    /// Answer with this status and body (and headers such as `Retry-After`).
    case status(Int, body: String, headers: [String: String] = [:])
    /// Wait this long before answering normally (or before the next fault).
    case delay(Duration)
    /// Answer 200 with a body that is not JSON.
    case malformedJSON
    /// Answer 200 with `b64_json` that is not base64.
    case badBase64
    /// Answer normally, with the base64 broken into lines of 76 characters (MIME style).
    case lineBrokenBase64
    /// Start a 200 answer, then close the connection halfway through the body.
    case dropConnection
    /// Answer 200 with a `url` that the stub answers 404 for.
    case missingURL
    /// For a streamed request: send this many partial images, then an `error` event.
    case streamError(afterPartials: Int, body: String)
    /// For a streamed request: send this many partial images, then close the connection.
    case streamDrop(afterPartials: Int)
}
