import Foundation
import ImageInbox
import Testing

struct HeldResultsTests {
    let root: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("held-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path + "/held", withIntermediateDirectories: true)
        // As the watcher does for each inbox it watches: held results go only beneath one.
        ConfinedRoots.confine(path)
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

    /// An entry names paths to write and a folder to delete: one that does not hold together is
    /// left alone, whoever wrote it.
    @Test func aForgedEntryIsNeitherDeliveredNorActedOn() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let held = HeldResults(directory: root + "/held")
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("held-outside-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: outside) }
        var forgeries: [HeldResults.Entry] = []
        var escaping = entry("c")
        escaping.stem = outside + "/stolen"
        forgeries.append(escaping)
        var dotted = entry("d")
        dotted.stem = root + "/../" + URL(fileURLWithPath: outside).lastPathComponent + "/stolen"
        forgeries.append(dotted)
        var otherFolder = entry("e")
        otherFolder.jobID = "../../etc"
        forgeries.append(otherFolder)
        var script = entry("f")
        script.fileExtension = "sh"
        forgeries.append(script)
        for forged in forgeries {
            let folder = root + "/held/" + (forged.jobID.contains("/") ? "e" : forged.jobID)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data([1]).write(to: URL(fileURLWithPath: folder + "/0.\(forged.fileExtension)"))
            try JSONEncoder().encode(forged).write(to: URL(fileURLWithPath: folder + "/entry.json"))
        }
        var refused: [String] = []
        #expect(held.entries { path, _ in refused.append(URL(fileURLWithPath: path).lastPathComponent) }.isEmpty)
        #expect(refused.sorted() == ["c", "d", "e", "f"])
        for forged in forgeries { #expect(throws: ImageInboxError.self) { try held.deliver(forged) } }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/held").sorted() == ["c", "d", "e", "f"])
    }

    @Test func heldResultsAreTheDaemonsAlone() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let held = HeldResults(directory: root + "/held")
        try held.hold([[1, 2, 3]], for: entry("g"))
        let folder = try FileManager.default.attributesOfItem(atPath: root + "/held/g")
        #expect((folder[.posixPermissions] as? Int) == 0o700)
        for file in ["0.png", "entry.json"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: root + "/held/g/" + file)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
        }
    }
}
