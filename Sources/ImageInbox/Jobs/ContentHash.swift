import Crypto

/// The SHA-256 of a source's bytes, in hex: what "the same content" means to the ledger.
package enum ContentHash {
    /// The hex SHA-256 of `bytes`.
    package static func of(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
