package import AsyncHTTPClient
import Foundation
package import Logging
import NIOCore
import NIOHTTP1

/// `GET {base}/models`: the models the provider offers, and when each of them shuts down.
///
/// OpenAI answers `{"object":"list","data":[{"id":"gpt-image-2","object":"model",…,
/// "shutdown_date":"2026-10-23"},…]}`, where `shutdown_date` is a `YYYY-MM-DD` date, null, or
/// absent. The key goes as the image requests send it: `Authorization: Bearer KEY`, to the base
/// URL's host only.
///
/// A provider without the endpoint (HTTP 404) has nothing to say, which is not a failure: the
/// answer is an empty list. Everything else that is not a list is an ``ImageInboxError`` for the
/// caller to log; nothing here retries.
package struct ModelListClient: Sendable {
    /// Where to ask, and how long to wait.
    package struct Configuration: Sendable {
        /// The base URL, ending in `/v1` (no trailing slash needed).
        package var baseURL: String
        /// The API key.
        package var apiKey: APIKey
        /// How long the request may take, answer included.
        package var timeout: Duration

        package init(baseURL: String, apiKey: APIKey, timeout: Duration = .seconds(30)) {
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.apiKey = apiKey
            self.timeout = timeout
        }
    }

    /// The largest answer read: OpenAI's list of every model is some 20 KB.
    static let maximumResponseSize = 8 * 1024 * 1024

    private let configuration: Configuration
    private let httpClient: HTTPClient
    /// AsyncHTTPClient's logger: the caller's at `debug` and `trace`, else nothing (as
    /// ``ImagesAPIClient`` does).
    private let clientLogger: Logger

    package init(configuration: Configuration, httpClient: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.clientLogger = logger.logLevel <= .debug ? logger : Logger(label: logger.label, factory: { _ in SwiftLogNoOpLogHandler() })
    }

    /// Asks for the list once.
    ///
    /// - Returns: Each listed model's id and its shutdown date as the provider wrote it (nil
    ///   when none is announced); empty when the provider has no `/models` (HTTP 404).
    /// - Throws: ``ImageInboxError``: `timedOut`, `connectionFailed`, `authenticationFailed`
    ///   (HTTP 401, 403), `unexpectedStatus` (any other status), `invalidResponse` (not a list).
    package func shutdownDates() async throws -> [String: String?] {
        var request = HTTPClientRequest(url: configuration.baseURL + "/models")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.apiKey.value)")
        request.headers.add(name: "User-Agent", value: "image-inbox/\(ImageInboxVersion.current)")
        let timeout = configuration.timeout.components
        let deadline = NIODeadline.now() + .nanoseconds(timeout.seconds * 1_000_000_000 + timeout.attoseconds / 1_000_000_000)
        let status: Int
        let body: [UInt8]
        do {
            let response = try await httpClient.execute(request, deadline: deadline, logger: clientLogger)
            status = Int(response.status.code)
            body = Array(buffer: try await response.body.collect(upTo: Self.maximumResponseSize))
        } catch {
            throw mapped(error)
        }
        switch status {
        case 200:
            return try Self.decode(body)
        case 404:
            return [:]
        case 401, 403:
            throw ImageInboxError(
                code: .authenticationFailed,
                message: "The images API refused the key when asked for its models (HTTP \(status)); check the key file."
            )
        default:
            throw ImageInboxError(code: .unexpectedStatus, message: "The images API answered HTTP \(status) when asked for its models.")
        }
    }

    /// The model ids and shutdown dates of a `/models` answer.
    ///
    /// - Throws: ``ImageInboxError`` `invalidResponse` when it is not a JSON object with a
    ///   `data` list.
    package static func decode(_ body: [UInt8]) throws -> [String: String?] {
        let list: ModelList
        do {
            list = try JSONDecoder().decode(ModelList.self, from: Data(body))
        } catch {
            throw ImageInboxError(code: .invalidResponse, message: "The images API's list of models is not JSON image-inbox can read.", cause: error)
        }
        var dates: [String: String?] = [:]
        for entry in list.data {
            guard let id = entry.id else { continue }
            dates[id] = .some(entry.shutdownDate)
        }
        return dates
    }

    /// A failure to reach the API or to hear its answer, as the error that says what it was.
    private func mapped(_ error: any Error) -> any Error {
        APIFailure.mapped(
            error,
            key: configuration.apiKey,
            timedOut: "The images API did not list its models within \(configuration.timeout.components.seconds) s.",
            unreachable: "Can't ask the images API at \(configuration.baseURL) for its models"
        )
    }
}

/// The part of a `/models` answer read: lenient per entry, so that one odd entry (a number where
/// a date should be) costs only its own date.
private struct ModelList: Decodable {
    struct Entry: Decodable {
        var id: String?
        var shutdownDate: String?

        enum CodingKeys: String, CodingKey {
            case id
            case shutdownDate = "shutdown_date"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try? container.decode(String.self, forKey: .id)
            shutdownDate = try? container.decode(String.self, forKey: .shutdownDate)
        }
    }

    var data: [Entry]
}
