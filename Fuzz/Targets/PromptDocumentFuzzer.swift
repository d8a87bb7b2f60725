import Foundation

/// A `.prompt` file or an edit's instruction, as the job runner reads one.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    if let document = try? PromptDocument(data: bytes) {
        // What is read is sent as it is: the limit must hold.
        precondition(!document.prompt.isEmpty && document.prompt.count <= PromptDocument.maximumPromptLength)
    }
    _ = try? PromptDocument(data: bytes, extraKeys: ["images"])
    _ = try? PromptDocument.frontMatter(of: bytes)
    return 0
}
