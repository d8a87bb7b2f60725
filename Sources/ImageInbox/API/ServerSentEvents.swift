/// Server-sent events (`text/event-stream`) read from a response body as its chunks arrive:
/// `event:` and `data:` lines, each event ended by a blank line, `:` lines ignored.
///
/// Lines are found by scanning each byte once, so an event carrying a base64 image of megabytes
/// costs one pass however the body is chunked.
package struct ServerSentEvents {
    /// One event: its name (`event:`), if any, and its data lines joined by newlines.
    package struct Event: Equatable {
        package var name: String?
        package var data: String

        package init(name: String?, data: String) {
            self.name = name
            self.data = data
        }
    }

    package init() {}

    private var pending: [UInt8] = []
    private var scanned = 0
    private var name: String?
    private var data: [String] = []

    /// The events that `bytes` completed.
    package mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        pending.append(contentsOf: bytes)
        var events: [Event] = []
        var lineStart = 0
        while let newline = pending[scanned...].firstIndex(of: UInt8(ascii: "\n")) {
            var line = pending[lineStart..<newline]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if let event = take(line: line) { events.append(event) }
            lineStart = newline + 1
            scanned = lineStart
        }
        pending.removeFirst(lineStart)
        scanned = pending.count
        return events
    }

    /// The event a body ended without its blank line, if any.
    package mutating func finish() -> [Event] {
        feed("\n\n".utf8)
    }

    private mutating func take(line: ArraySlice<UInt8>) -> Event? {
        guard !line.isEmpty else {
            defer { (name, data) = (nil, []) }
            return data.isEmpty ? nil : Event(name: name, data: data.joined(separator: "\n"))
        }
        guard line.first != UInt8(ascii: ":") else { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        let field = String(decoding: line[..<colon], as: UTF8.self)
        var value = colon < line.endIndex ? line[(colon + 1)...] : []
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        switch field {
        case "event": name = String(decoding: value, as: UTF8.self)
        case "data": data.append(String(decoding: value, as: UTF8.self))
        default: break
        }
        return nil
    }
}
