import Foundation
import HTTPTypes
import Hummingbird
import ImageInbox
import NIOCore

extension StubHandler {
    /// A streamed answer as OpenAI sends it (`text/event-stream`): `partial_images` events
    /// `KIND.partial_image`, one `KIND.completed` event per image with the usage, pausing the
    /// stub's stream interval between events; a scripted fault ends it with an `error` event or
    /// a dropped connection after that many partial images.
    func respondStreaming(_ valid: ValidGeneration, kind: String, fault: StubFault?) -> Response {
        let image = PlaceholderImage.render(
            width: valid.width, height: valid.height, format: valid.format, seed: 5, transparent: valid.transparent,
            frames: valid.format == .gif ? valid.frames : 1, frameDurationMilliseconds: valid.frameDurationMilliseconds
        )
        let interval = store.withState { $0.streamInterval }
        let outputTokens = valid.width * valid.height / 256
        @Sendable func event(_ type: String, _ fields: [String: any Sendable]) -> ByteBuffer {
            var object: [String: any Sendable] = [
                "type": type, "created_at": Int(Date().timeIntervalSince1970), "size": "\(valid.width)x\(valid.height)",
                "quality": valid.quality, "background": valid.background, "output_format": valid.format.rawValue,
            ]
            object.merge(fields) { _, new in new }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes, .sortedKeys])) ?? Data()
            return ByteBuffer(string: "event: \(type)\ndata: \(String(decoding: data, as: UTF8.self))\n\n")
        }
        var fields = HTTPFields()
        fields[.contentType] = "text/event-stream"
        fields[.cacheControl] = "no-cache"
        return Response(
            status: .ok,
            headers: fields,
            body: ResponseBody { writer in
                for output in 0..<valid.n {
                    for index in 0...valid.partialImages {
                        if output == 0 {
                            switch fault {
                            case .streamError(let after, let body)? where after == index:
                                try await writer.write(ByteBuffer(string: "event: error\ndata: \(body)\n\n"))
                                try await writer.finish(nil)
                                return
                            case .streamDrop(let after)? where after == index:
                                throw CancellationError()
                            default: break
                            }
                        }
                        guard index < valid.partialImages else { break }
                        let partial = PlaceholderImage.render(width: valid.width / 4, height: valid.height / 4, format: valid.format, seed: UInt64(10 + index))
                        try await writer.write(event("\(kind).partial_image", ["b64_json": Data(partial).base64EncodedString(), "partial_image_index": index]))
                        try await Task.sleep(for: interval)
                    }
                    let usage: [String: any Sendable] = [
                        "total_tokens": outputTokens + 50, "input_tokens": 50, "output_tokens": outputTokens,
                        "input_tokens_details": ["text_tokens": 50, "image_tokens": 0],
                    ]
                    try await writer.write(event("\(kind).completed", ["b64_json": Data(image).base64EncodedString(), "usage": usage]))
                }
                try await writer.finish(nil)
            }
        )
    }
}
