/// The fuzz targets' stand-in for `ContentHash` (Sources/ImageInbox/Jobs/ContentHash.swift),
/// whose SHA-256 comes from swift-crypto, a package too large to build here from source.
///
/// A batch file's entries need keys that differ when their contents do; 64-bit FNV-1a gives that
/// for any input a fuzzer makes, and nothing the batch target checks depends on the digest itself.
package enum ContentHash {
    /// The hex FNV-1a hash of `bytes`.
    package static func of(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
