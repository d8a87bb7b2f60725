/// A streamed answer (`text/event-stream`), in one chunk and in small ones.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var whole = ServerSentEvents()
    let events = whole.feed(bytes) + whole.finish()
    // However the body is chunked, the same events come out: cut it every few bytes, the first
    // byte choosing how many.
    let step = 1 + Int(bytes.first ?? 0) % 7
    var chunked = ServerSentEvents()
    var eventsOfChunks: [ServerSentEvents.Event] = []
    for start in stride(from: 0, to: bytes.count, by: step) {
        eventsOfChunks += chunked.feed(bytes[start..<min(start + step, bytes.count)])
    }
    eventsOfChunks += chunked.finish()
    precondition(events == eventsOfChunks)
    return 0
}
