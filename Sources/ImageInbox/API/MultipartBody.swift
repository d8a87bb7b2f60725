import Foundation
import Inotify
package import NIOCore
import RawFileNames

/// A `multipart/form-data` body whose file parts are read from disk as the request is sent, so
/// that memory does not grow with the size of the images (16 × 50 MB stays on disk).
package struct MultipartBody: Sendable {
    /// One part of the form.
    package enum Part: Sendable, Equatable {
        /// A text field.
        case field(name: String, value: String)
        /// A file, streamed from `path`; `size` (and `identity`, when known) is what it must still
        /// be when it is sent.
        case file(name: String, path: String, filename: String, contentType: String, size: Int64, identity: FileSystem.Identity? = nil)
    }

    /// The boundary between parts.
    package let boundary: String
    /// The parts, in order.
    package let parts: [Part]

    package init(parts: [Part], boundary: String = "image-inbox-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)) {
        self.parts = parts
        self.boundary = boundary
    }

    /// The request's `Content-Type`.
    package var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    /// The exact length of the body in bytes.
    package var contentLength: Int64 {
        segments.reduce(0) { total, segment in
            switch segment {
            case .bytes(let bytes): total + Int64(bytes.readableBytes)
            case .file(_, let size, _): total + size
            }
        }
    }

    /// The body as a sequence of chunks of at most `chunkLength` bytes.
    package func chunks(chunkLength: Int = 64 * 1024) -> Chunks {
        Chunks(segments: segments, chunkLength: chunkLength)
    }

    enum Segment: Sendable {
        case bytes(ByteBuffer)
        case file(path: String, size: Int64, identity: FileSystem.Identity?)
    }

    var segments: [Segment] {
        var segments: [Segment] = []
        for part in parts {
            switch part {
            case .field(let name, let value):
                segments.append(.bytes(ByteBuffer(string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(Self.quoted(name))\"\r\n\r\n\(value)\r\n")))
            case .file(let name, let path, let filename, let contentType, let size, let identity):
                segments.append(
                    .bytes(
                        ByteBuffer(
                            string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(Self.quoted(name))\"; filename=\"\(Self.quoted(filename))\"\r\n"
                                + "Content-Type: \(contentType)\r\n\r\n"
                        )
                    )
                )
                segments.append(.file(path: path, size: size, identity: identity))
                segments.append(.bytes(ByteBuffer(string: "\r\n")))
            }
        }
        segments.append(.bytes(ByteBuffer(string: "--\(boundary)--\r\n")))
        return segments
    }

    /// `text` for a quoted header parameter; a name's raw bytes are sent readably escaped.
    private static func quoted(_ text: String) -> String {
        RawFileName.readable(text).replacingOccurrences(of: "\"", with: "%22").replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: "")
    }

    /// The body's chunks; files are opened one at a time (not following links, and only while
    /// they are the file that was checked) and closed when read.
    package struct Chunks: AsyncSequence, Sendable {
        package typealias Element = ByteBuffer
        let segments: [Segment]
        let chunkLength: Int

        package func makeAsyncIterator() -> Iterator {
            Iterator(segments: segments, chunkLength: chunkLength)
        }

        package struct Iterator: AsyncIteratorProtocol {
            private var segments: ArraySlice<Segment>
            private let chunkLength: Int
            private var file: ReadOnlyFile?
            private var offset: Int64 = 0

            init(segments: [Segment], chunkLength: Int) {
                self.segments = segments[...]
                self.chunkLength = chunkLength
            }

            package mutating func next() async throws -> ByteBuffer? {
                while let segment = segments.first {
                    switch segment {
                    case .bytes(let bytes):
                        segments.removeFirst()
                        return bytes
                    case .file(let path, let size, let identity):
                        if file == nil {
                            file = try await FileSystem.offloaded { ReadOnlyFile.open(path, expecting: identity) }.mapError { MultipartFileChanged(path: path, code: $0.code) }.get()
                            offset = 0
                        }
                        if offset < size, let handle = file {
                            let length = Int(Swift.min(Int64(chunkLength), size - offset))
                            let start = offset
                            let read = await FileSystem.offloaded { handle.read(at: start, count: length) }
                            let chunk = try read.mapError { MultipartFileChanged(path: path, code: $0.code) }.get()
                            guard !chunk.isEmpty else {
                                file = nil
                                throw MultipartFileChanged(path: path, code: ESTALE)
                            }
                            offset += Int64(chunk.count)
                            return ByteBuffer(bytes: chunk)
                        }
                        file = nil
                        segments.removeFirst()
                    }
                }
                return nil
            }
        }
    }
}

/// A file changed, or could not be read, between being checked and being sent.
struct MultipartFileChanged: Error, CustomStringConvertible {
    let path: String
    /// The `errno`: `ESTALE` when it is no longer the file that was checked.
    let code: Int32
    var description: String {
        code == ESTALE ? "'\(path)' changed while it was being sent" : "'\(path)' can't be read: \(FileSystem.describe(code))"
    }
}
