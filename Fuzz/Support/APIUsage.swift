/// The fuzz targets' stand-in for `APIUsage`, whose declaration shares
/// Sources/ImageInbox/API/GenerationRequest.swift with request types that need the file system
/// layer (and NIO behind it).
///
/// `ImageInboxError` keeps what a failed request was billed and `ImagesResponseBody` reports
/// what an answer cost; neither parses anything here, so the fields and the sum are all they use.
package struct APIUsage: Sendable {
    package var usdSpent: Double?
    package var creditsUsed: Double?
    package var inputTokens: Int?
    package var textInputTokens: Int?
    package var outputTokens: Int?
    package var svgInputTokens: Int?
    package var svgOutputTokens: Int?

    package init(
        usdSpent: Double? = nil,
        creditsUsed: Double? = nil,
        inputTokens: Int? = nil,
        textInputTokens: Int? = nil,
        outputTokens: Int? = nil,
        svgInputTokens: Int? = nil,
        svgOutputTokens: Int? = nil
    ) {
        self.usdSpent = usdSpent
        self.creditsUsed = creditsUsed
        self.inputTokens = inputTokens
        self.textInputTokens = textInputTokens
        self.outputTokens = outputTokens
        self.svgInputTokens = svgInputTokens
        self.svgOutputTokens = svgOutputTokens
    }

    package static func + (lhs: APIUsage, rhs: APIUsage) -> APIUsage {
        func add<T: AdditiveArithmetic>(_ a: T?, _ b: T?) -> T? {
            a == nil && b == nil ? nil : (a ?? .zero) + (b ?? .zero)
        }
        return APIUsage(
            usdSpent: add(lhs.usdSpent, rhs.usdSpent),
            creditsUsed: add(lhs.creditsUsed, rhs.creditsUsed),
            inputTokens: add(lhs.inputTokens, rhs.inputTokens),
            textInputTokens: add(lhs.textInputTokens, rhs.textInputTokens),
            outputTokens: add(lhs.outputTokens, rhs.outputTokens),
            svgInputTokens: add(lhs.svgInputTokens, rhs.svgInputTokens),
            svgOutputTokens: add(lhs.svgOutputTokens, rhs.svgOutputTokens)
        )
    }
}
