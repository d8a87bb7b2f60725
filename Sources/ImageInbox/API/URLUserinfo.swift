import Foundation

/// Removes the `user:password@` of every URL in a text, for what leaves the daemon as text: an
/// error note on the share, a log line, `status`.
///
/// A provider's or ledger's URL may carry credentials (`https://user:secret@proxy.example`);
/// the people who read notes on the share must never see them.
package enum URLUserinfo {
    /// `text` with each URL's userinfo replaced by `…@`.
    package static func redacted(_ text: String) -> String {
        guard text.contains("://") && text.contains("@") else { return text }
        var result = ""
        var rest = Substring(text)
        while let scheme = rest.range(of: "://") {
            result += rest[..<scheme.upperBound]
            rest = rest[scheme.upperBound...]
            let authorityEnd = rest.firstIndex { "/?#\"' \n\t<>".contains($0) } ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@") {
                result += "…@"
                rest = rest[rest.index(after: at)...]
            }
        }
        return result + rest
    }
}
