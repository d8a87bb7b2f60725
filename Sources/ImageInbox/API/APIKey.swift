import Foundation

/// An API key that never shows itself in logs, errors or descriptions.
package struct APIKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The key itself, for the `Authorization` header and for redaction only.
    package let value: String

    /// Wraps a key, trimming the whitespace and newline key files usually end with.
    package init(_ value: String) {
        self.value = value.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    package var description: String { "[redacted]" }
    package var debugDescription: String { "[redacted]" }

    /// `text` with every occurrence of the key replaced, for anything written where people read.
    package func redact(_ text: String) -> String {
        value.count < 4 ? text : text.replacingOccurrences(of: value, with: "[redacted]")
    }
}
