import Foundation
import ImageInbox
import Testing

struct HeldResultsTests {
    let root: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("held-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path + "/held", withIntermediateDirectories: true)
        return path
    }()

    func entry(_ jobID: String) -> HeldResults.Entry {
        .init(jobID: jobID, inbox: root, sourcePath: root + "/\(jobID).prompt", stem: root + "/\(jobID)", fileExtension: "png", numbered: false, count: 1)
    }

    @Test func theHeldBytesFollowEveryHoldDeliveryAndRemovalByHand() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let held = HeldResults(directory: root + "/held")
        #expect(held.heldBytes() == 0)
        try held.hold([[UInt8](repeating: 1, count: 1000)], for: entry("a"))
        let oneEntry = held.heldBytes()
        #expect(oneEntry > 1000)
        // A copy shares what the original counted, and sees its holds.
        let copy = held
        try held.hold([[UInt8](repeating: 2, count: 500)], for: entry("b"))
        #expect(copy.heldBytes() > oneEntry + 500)
        #expect(try held.deliver(entry("b")) == [root + "/b.png"])
        #expect(held.heldBytes() == oneEntry)
        // An admin clearing the folder by hand is noticed too.
        try FileManager.default.removeItem(atPath: root + "/held/a")
        #expect(held.heldBytes() == 0)
    }
}
