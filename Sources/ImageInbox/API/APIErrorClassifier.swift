import Foundation

/// Turns an HTTP error response from either provider into an ``ImageInboxError`` whose code
/// decides what happens next (retry, pause, or report) and whose message a person can act on.
enum APIErrorClassifier {
    /// - Parameter shouldRetry: The `x-should-retry` header, which wins over the status both
    ///   ways, as in openai-python.
    static func classify(
        status: Int,
        body: [UInt8],
        retryAfter: String? = nil,
        retryAfterMilliseconds: String? = nil,
        shouldRetry: String? = nil
    ) -> ImageInboxError {
        var error = classifyBody(status: status, body: body)
        error.retryAfter = retryDelay(seconds: retryAfter, milliseconds: retryAfterMilliseconds)
        switch shouldRetry?.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true": error.shouldRetry = true
        case "false": error.shouldRetry = false
        default: break
        }
        return error
    }

    /// The delay asked for by `retry-after-ms` (OpenAI) or `Retry-After` (seconds or an HTTP date).
    static func retryDelay(seconds: String?, milliseconds: String?, now: Date = Date()) -> Duration? {
        if let milliseconds, let value = Double(milliseconds.trimmingCharacters(in: .whitespaces)), let delay = RateLimitHeaders.clamped(value / 1000) {
            return delay
        }
        guard let seconds = seconds?.trimmingCharacters(in: .whitespaces), !seconds.isEmpty else { return nil }
        if let value = Double(seconds), let delay = RateLimitHeaders.clamped(value) { return delay }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: seconds) else { return nil }
        return .milliseconds(Int64(max(0, date.timeIntervalSince(now)) * 1000))
    }

    /// The categories OpenAI lists at the end of a moderation refusal
    /// (`… safety_violations=[violence, self-harm].`), in plain words.
    static func safetyCategories(in message: String) -> [String] {
        guard let start = message.range(of: "safety_violations=["), let end = message[start.upperBound...].firstIndex(of: "]") else { return [] }
        return message[start.upperBound..<end]
            .split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: "-", with: " ") }
            .filter { !$0.isEmpty }
    }

    /// Decides by the error's `code` where the provider sends one (OpenAI's `{"error":{…}}`);
    /// the AI/ML API's `{message, statusCode, …}` has none, so there its status and its
    /// documented words decide. Never by words in an OpenAI message: "Unknown parameter:
    /// 'moderation'" is not a moderation refusal.
    private static func classifyBody(status: Int, body: [UInt8]) -> ImageInboxError {
        let decoded = try? JSONDecoder().decode(APIErrorBody.self, from: Data(body))
        let providerMessage = decoded?.error?.message ?? decoded?.message
            ?? String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let code = decoded?.error?.code ?? decoded?.error?.type ?? ""
        let hasCode = !(decoded?.error?.code ?? "").isEmpty || !(decoded?.error?.type ?? "").isEmpty
        let said = providerMessage.isEmpty ? "" : " The API said: \"\(providerMessage)\""
        let words = hasCode ? "" : providerMessage.lowercased()

        if code == "model_not_found" || (status == 404 && words.contains("model")) {
            return ImageInboxError(
                code: .modelNotFound,
                message: "The images API does not know this model (it may have been retired).\(said) "
                    + "Set another model in the front matter or the configuration."
            )
        }
        if ["insufficient_quota", "billing_hard_limit_reached", "billing_not_active"].contains(code) || status == 402
            || (!hasCode && (status == 403 || status == 429) && (words.contains("credit") || words.contains("balance")))
        {
            return ImageInboxError(
                code: .quotaExhausted,
                message: "The images API account is out of credit or has reached its billing limit (HTTP \(status)).\(said) "
                    + "Top up the account or raise its limit; nothing was charged for this file."
            )
        }
        if ["moderation_blocked", "image_generation_user_error"].contains(code) || (!hasCode && status == 400 && words.contains("safety system")) {
            let categories = safetyCategories(in: providerMessage)
            let flagged = categories.isEmpty ? "" : " It flagged: \(categories.joined(separator: ", "))."
            return ImageInboxError(
                code: .moderationBlocked,
                message: "The images API's safety system refused this request.\(flagged)\(said) Reword the prompt (or change the image) and save it again."
            )
        }
        switch status {
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
                code: .unexpectedStatus,
                message: "The images API answered HTTP \(status), which image-inbox does not expect.\(said) "
                    + "The server's administrator should check base_url."
            )
        }
    }
}
