import Yams

/// A folder's `image-inbox.yaml`, which anyone who can write to the share can write.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    // FolderDefaults reads at most 64 KB; composing and then building values is what `load` does.
    guard let root = try? GuardedYAML.compose(text, maximumBytes: 64 * 1024) else { return 0 }
    _ = GuardedYAML.keyLines(of: root)
    _ = root.any
    return 0
}
