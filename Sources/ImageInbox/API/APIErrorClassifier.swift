import Foundation

/// Turns an HTTP error response from either provider into an ``ImageInboxError`` whose code
/// decides what happens next (retry, pause, or report) and whose message a person can act on.
enum APIErrorClassifier {
    static func classify(status: Int, body: [UInt8], retryAfter: String? = nil, retryAfterMilliseconds: String? = nil) -> ImageInboxError {
        var error = classifyBody(status: status, body: body)
        error.retryAfter = retryDelay(seconds: retryAfter, milliseconds: retryAfterMilliseconds)
        return error
    }

    /// The delay asked for by `retry-after-ms` (OpenAI) or `Retry-After` (seconds or an HTTP date).
    static func retryDelay(seconds: String?, milliseconds: String?, now: Date = Date()) -> Duration? {
        if let milliseconds, let value = Double(milliseconds.trimmingCharacters(in: .whitespaces)), value >= 0 {
            return .milliseconds(Int64(value))
        }
        guard let seconds = seconds?.trimmingCharacters(in: .whitespaces), !seconds.isEmpty else { return nil }
        if let value = Double(seconds), value >= 0 { return .milliseconds(Int64(value * 1000)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: seconds) else { return nil }
        return .milliseconds(Int64(max(0, date.timeIntervalSince(now)) * 1000))
    }

    private static func classifyBody(status: Int, body: [UInt8]) -> ImageInboxError {
        let decoded = try? JSONDecoder().decode(APIErrorBody.self, from: Data(body))
        let providerMessage = decoded?.error?.message ?? decoded?.message
            ?? String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let code = decoded?.error?.code ?? ""
        let type = decoded?.error?.type ?? ""
        let said = providerMessage.isEmpty ? "" : " The API said: \"\(providerMessage)\""
        let lowered = (providerMessage + " " + code + " " + type).lowercased()

        if code == "model_not_found" || (status == 404 && lowered.contains("model")) {
            return ImageInboxError(
                code: .modelNotFound,
                message: "The images API does not know this model (it may have been retired).\(said) "
                    + "Set another model in the front matter or the configuration."
            )
        }
        if code == "insufficient_quota" || status == 402 || lowered.contains("credit") || lowered.contains("quota") {
            return ImageInboxError(
                code: .quotaExhausted,
                message: "The images API account is out of credit or quota (HTTP \(status)).\(said) "
                    + "Top up the account; nothing was charged for this file."
            )
        }
        switch status {
        case 400 where code == "moderation_blocked" || lowered.contains("moderation") || lowered.contains("safety"):
            return ImageInboxError(
                code: .moderationBlocked,
                message: "The images API's safety system refused this request.\(said) Reword the prompt."
            )
        case 400, 413, 415, 422:
            return ImageInboxError(
                code: .requestRejected,
                message: "The images API refused the request as invalid (HTTP \(status)).\(said) "
                    + "Fix the file and save it again."
            )
        case 401, 403:
            return ImageInboxError(
                code: .authenticationFailed,
                message: "The images API refused the API key (HTTP \(status)).\(said) "
                    + "The server's administrator must check the key."
            )
        case 429:
            return ImageInboxError(
                code: .rateLimited,
                message: "The images API asked to slow down (HTTP 429).\(said)"
            )
        case 408, 409, 500...599:
            return ImageInboxError(
                code: .serverError,
                message: "The images API failed on its side (HTTP \(status)).\(said)"
            )
        default:
            return ImageInboxError(
                code: .invalidResponse,
                message: "The images API answered HTTP \(status), which image-inbox does not expect.\(said)"
            )
        }
    }
}
