import ImageInbox
import Testing

struct ServerSentEventsTests {
    static let stream = Array(
        ": keep-alive\nevent: image_generation.partial_image\ndata: {\"a\":1}\n\nevent: image_generation.completed\r\ndata: {\"b\":\r\ndata: 2}\r\n\r\n".utf8
    )
    static let expected = [
        ServerSentEvents.Event(name: "image_generation.partial_image", data: "{\"a\":1}"),
        ServerSentEvents.Event(name: "image_generation.completed", data: "{\"b\":\n2}"),
    ]

    @Test(arguments: [1, 2, 3, 7, 64, 4096])
    func eventsAreTheSameHoweverTheBodyIsChunked(chunk: Int) {
        var parser = ServerSentEvents()
        var events: [ServerSentEvents.Event] = []
        for start in stride(from: 0, to: Self.stream.count, by: chunk) {
            events += parser.feed(Self.stream[start..<min(start + chunk, Self.stream.count)])
        }
        events += parser.finish()
        #expect(events == Self.expected)
    }

    @Test func aLastEventWithoutItsBlankLineIsTakenAtTheEnd() {
        var parser = ServerSentEvents()
        #expect(parser.feed("data: x\ndata: y".utf8).isEmpty)
        #expect(parser.finish() == [ServerSentEvents.Event(name: nil, data: "x\ny")])
    }
}
