import Foundation

/// Turns an HTTP error response from either provider into an ``ImageInboxError`` whose code
/// decides what happens next (retry, pause, or report) and whose message a person can act on.
enum APIErrorClassifier {
    static func classify(status: Int, body: [UInt8], retryAfter: String? = nil) -> ImageInboxError {
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
                message: "The images API asked to slow down (HTTP 429)."
                    + (retryAfter.map { " It asked to wait \($0) s." } ?? "") + said
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
