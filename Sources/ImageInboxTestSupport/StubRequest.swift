/// One request ``ImagesAPIStub`` received, as tests inspect it.
package struct StubRequest: Sendable {
    /// `POST` or `GET`.
    package var method: String
    /// The path, such as `/v1/images/generations`.
    package var path: String
    /// The `Authorization` header, if any.
    package var authorization: String?
    /// The `Content-Type` header, if any.
    package var contentType: String?
    /// The raw body.
    package var body: [UInt8]
    /// The body's JSON fields, when it was a JSON object (strings, numbers and booleans as text),
    /// or a multipart body's text fields.
    package var fields: [String: String]
    /// A multipart body's parts, in order (empty for JSON).
    package var parts: [StubPart] = []
    /// How many body bytes arrived (also when the stub did not keep them).
    package var bodySize: Int = 0
    /// When it arrived, in seconds since 1970 (wall clock, so that another process can compare its own times).
    package var arrival: Double = 0
}
