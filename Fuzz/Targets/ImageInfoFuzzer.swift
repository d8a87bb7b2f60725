/// An image's header: an edit's uploads and masks, and every result before it is written.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let sniffed = ImageFormat(sniffing: bytes)
    for format in ImageFormat.allCases {
        _ = format.isWhole(bytes)
    }
    if let info = ImageInfo(bytes: bytes) {
        // A header is read only when intact: an image has pixels (the WebP metadata writer
        // subtracts one from each side). An SVG's size may be unknown (a percentage): 0.
        precondition(info.format == sniffed && (info.format == .svg ? info.width >= 0 && info.height >= 0 : info.width > 0 && info.height > 0))
    }
    return 0
}
