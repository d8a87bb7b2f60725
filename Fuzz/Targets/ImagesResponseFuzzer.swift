import Foundation

/// A JSON answer of the images API (and its error body), as the client decodes it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let body = try? ImagesResponseBody.decode(bytes) {
        _ = body.apiUsage
        // Reading the base64 in place must give what decoding the whole answer gives.
        if let whole = try? JSONDecoder().decode(ImagesResponseBody.self, from: Data(bytes)) {
            precondition(body.data?.map { $0.base64.map(Array.init) } == whole.data?.map { $0.base64.map(Array.init) })
            precondition(body.data?.map(\.url) == whole.data?.map(\.url))
        }
    }
    _ = try? JSONDecoder().decode(APIErrorBody.self, from: Data(bytes))
    return 0
}
