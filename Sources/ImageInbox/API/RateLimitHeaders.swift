import Foundation

/// OpenAI's rate limit headers (`x-ratelimit-remaining-requests: 0`,
/// `x-ratelimit-reset-requests: 6m0s`, and the same for tokens): when nothing is left, how long
/// until the limit resets, so that no worker sends a request bound to be refused.
package struct RateLimitHeaders: Sendable, Equatable {
    package var remainingRequests: String?
    package var resetRequests: String?
    package var remainingTokens: String?
    package var resetTokens: String?

    package init(remainingRequests: String? = nil, resetRequests: String? = nil, remainingTokens: String? = nil, resetTokens: String? = nil) {
        self.remainingRequests = remainingRequests
        self.resetRequests = resetRequests
        self.remainingTokens = remainingTokens
        self.resetTokens = resetTokens
    }

    /// How long every request should wait: the longest reset of a limit with nothing left.
    package var wait: Duration? {
        [(remainingRequests, resetRequests), (remainingTokens, resetTokens)]
            .compactMap { remaining, reset -> Duration? in
                guard let remaining, Int(remaining.trimmingCharacters(in: .whitespaces)) == 0, let reset else { return nil }
                return Self.duration(reset)
            }
            .max()
    }

    /// Parses OpenAI's reset durations: `1s`, `6m0s`, `20ms`, `1h2m3.5s`, or plain seconds.
    package static func duration(_ text: String) -> Duration? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text), seconds >= 0 { return clamped(seconds) }
        var total = 0.0
        var number = ""
        var index = text.startIndex
        var parsedAny = false
        while index < text.endIndex {
            let character = text[index]
            if character.isNumber || character == "." {
                number.append(character)
                index = text.index(after: index)
                continue
            }
            guard let value = Double(number) else { return nil }
            let rest = text[index...]
            let unit: Double
            if rest.hasPrefix("ms") {
                unit = 0.001
                index = text.index(index, offsetBy: 2)
            } else {
                switch character {
                case "h": unit = 3600
                case "m": unit = 60
                case "s": unit = 1
                default: return nil
                }
                index = text.index(after: index)
            }
            total += value * unit
            number = ""
            parsedAny = true
        }
        guard parsedAny, number.isEmpty else { return nil }
        return clamped(total)
    }

    /// Seconds from a header as a duration of at most a day (`inf` or `1e20` would trap).
    static func clamped(_ seconds: Double) -> Duration? {
        guard seconds.isFinite, seconds >= 0 else { return nil }
        return .milliseconds(Int64(min(seconds, 86_400) * 1000))
    }
}
