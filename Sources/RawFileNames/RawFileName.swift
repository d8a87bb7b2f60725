public import SystemPackage

/// File names as the bytes the file system gave, carried in a `String`.
///
/// Linux names are bytes, not text: an old SMB client or an archive unpacked on Linux leaves
/// names such as `caf\xE9.prompt` (Latin-1), which no `String` can hold. Each byte that is not
/// part of valid UTF-8 is carried as one scalar of U+10FF80…U+10FFFF (the end of Supplementary
/// Private Use Area-B, which no keyboard or code page produces), so such a name is watched,
/// queued, recorded and answered like any other, and turns back into exactly its bytes at every
/// system call. Valid UTF-8 that spells one of those scalars is escaped byte by byte too, so
/// every name round-trips, whatever its bytes.
///
/// Where a name leaves the process as text (a log line, a note on the share) ``readable(_:)``
/// shows each carried byte as `\xE9`.
public enum RawFileName {
    /// The first scalar that carries a byte: the scalar for byte `b` is `escapeBase + b`.
    private static let escapeBase: UInt32 = 0x10_FF00
    /// The UTF-8 lead byte of every carrying scalar (and of nothing below U+100000).
    private static let escapeLead: UInt8 = 0xF4

    /// The name or path for `bytes`, as read from `readdir`, inotify or `/proc`.
    public static func decode(_ bytes: some Collection<UInt8>) -> String {
        // Nearly every name is valid UTF-8 below U+100000: one validation and no copying.
        if !bytes.contains(escapeLead), let text = String(validating: bytes, as: UTF8.self) { return text }
        let bytes = Array(bytes)
        var scalars = String.UnicodeScalarView()
        var index = 0
        while index < bytes.count {
            if let (scalar, length) = scalar(in: bytes, at: index), !isCarrier(scalar.value) {
                scalars.append(scalar)
                index += length
            } else {
                scalars.append(Unicode.Scalar(escapeBase + UInt32(bytes[index]))!)
                index += 1
            }
        }
        return String(scalars)
    }

    /// The bytes of a name or path made by ``decode(_:)`` or typed as text.
    public static func bytes(of path: String) -> [UInt8] {
        guard path.utf8.contains(escapeLead) else { return Array(path.utf8) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(path.utf8.count)
        for scalar in path.unicodeScalars {
            if isCarrier(scalar.value) {
                bytes.append(UInt8(scalar.value - escapeBase))
            } else {
                bytes.append(contentsOf: UTF8.encode(scalar).map(Array.init) ?? [])
            }
        }
        return bytes
    }

    /// Calls `body` with `path` as the NUL-terminated bytes a system call takes.
    public static func withCString<Result>(_ path: String, _ body: (UnsafePointer<CChar>) throws -> Result) rethrows -> Result {
        guard path.utf8.contains(escapeLead) else { return try path.withCString(body) }
        let terminated = bytes(of: path).map { CChar(bitPattern: $0) } + [0]
        return try terminated.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }

    /// `path` as swift-system's `FilePath`, with its bytes.
    public static func filePath(_ path: String) -> FilePath {
        withCString(path) { FilePath(platformString: $0) }
    }

    /// `text` with every carried byte shown as `\xE9`, for logs, notes and reports.
    ///
    /// - Parameter prefix: What precedes the two hex digits: `\\x` inside a JSON string, whose
    ///   backslashes are escaped.
    public static func readable(_ text: String, prefix: String = "\\x") -> String {
        guard text.utf8.contains(escapeLead) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if isCarrier(scalar.value) {
                let byte = scalar.value - escapeBase
                result += prefix + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// `text` as ``readable(_:prefix:)`` shows it, with control characters escaped too
    /// (`\x0A` for a newline, `\u{2028}` for a line separator), for one line of a log, a journal
    /// field, a note or `status`: a name is shown, never obeyed, so a file named
    /// `a\nforged line.prompt` never starts a line of its own.
    public static func shown(_ text: String, prefix: String = "\\x") -> String {
        // Nearly every name has none of these bytes: one pass over the UTF-8, no copy.
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 || $0 == 0xE2 || $0 == escapeLead }) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if isCarrier(value) {
                result += prefix + hex(UInt8(value - escapeBase))
            } else if value < 0x20 || (0x7F...0x9F).contains(value) {
                result += prefix + hex(UInt8(value))
            } else if value == 0x2028 || value == 0x2029 {
                result += "\\u{\(String(value, radix: 16, uppercase: true))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func hex(_ byte: UInt8) -> String {
        String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
    }

    /// Whether `path` holds a byte that is not valid UTF-8 on disk.
    public static func hasRawBytes(_ path: String) -> Bool {
        path.utf8.contains(escapeLead) && path.unicodeScalars.contains { isCarrier($0.value) }
    }

    private static func isCarrier(_ value: UInt32) -> Bool {
        value >= escapeBase + 0x80 && value <= escapeBase + 0xFF
    }

    /// The scalar whose well-formed UTF-8 starts at `index`, and its length; nil when the bytes
    /// there are not well-formed (a stray, truncated, overlong or surrogate sequence).
    private static func scalar(in bytes: [UInt8], at index: Int) -> (Unicode.Scalar, Int)? {
        let lead = bytes[index]
        let length: Int
        let secondRange: ClosedRange<UInt8>
        switch lead {
        case 0x00...0x7F: return (Unicode.Scalar(lead), 1)
        case 0xC2...0xDF: (length, secondRange) = (2, 0x80...0xBF)
        case 0xE0: (length, secondRange) = (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (length, secondRange) = (3, 0x80...0xBF)
        case 0xED: (length, secondRange) = (3, 0x80...0x9F)
        case 0xF0: (length, secondRange) = (4, 0x90...0xBF)
        case 0xF1...0xF3: (length, secondRange) = (4, 0x80...0xBF)
        case 0xF4: (length, secondRange) = (4, 0x80...0x8F)
        default: return nil
        }
        guard index + length <= bytes.count, secondRange.contains(bytes[index + 1]) else { return nil }
        var value = UInt32(lead) & (0xFF >> (length + 1))
        for offset in 1..<length {
            let byte = bytes[index + offset]
            guard offset == 1 || (0x80...0xBF).contains(byte) else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        return Unicode.Scalar(value).map { ($0, length) }
    }
}
