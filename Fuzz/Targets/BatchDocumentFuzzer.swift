import Foundation

/// A CSV table on its own, then the same bytes as a `NAME.csv` and a `NAME.prompts` batch file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    if let table = try? CSVTable(parsing: String(decoding: bytes, as: UTF8.self)) {
        // Each record starts on a later line than the one before it.
        precondition(zip(table.records, table.records.dropFirst()).allSatisfy { $0.line < $1.line })
    }
    for path in ["/inbox/list.csv", "/inbox/list.prompts"] {
        guard let document = try? BatchDocument.read(bytes, path: path) else { continue }
        // Entries are numbered from 1, and two copies of one content are still two keys.
        precondition(document.entries.map(\.index) == Array(document.entries.indices.map { $0 + 1 }))
        precondition(Set(document.entries.map(\.contentHash)).count == document.entries.count)
    }
    return 0
}
