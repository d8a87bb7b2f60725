import Foundation
import ImageInbox
import Testing

struct BatchDocumentTests {
    func read(_ text: String, _ name: String = "list.prompts") throws -> BatchDocument? {
        try BatchDocument.read(Data(text.utf8), path: "/in/" + name)
    }

    @Test func linesSkipBlanksAndCommentsAndTwoIdenticalLinesAreTwoEntries() throws {
        let document = try #require(try read("---\nsize: 1024x1536\n---\n# shots\nA fox\n\nA fox\n  An owl  \n"))
        #expect(document.entries.map(\.prompt) == ["A fox", "A fox", "An owl"])
        #expect(document.entries.map(\.line) == [5, 7, 8])
        #expect(document.entries.allSatisfy { $0.parameters.size == "1024x1536" })
        #expect(Set(document.entries.map(\.contentHash)).count == 3, "two identical lines are two entries")
        #expect(document.entries.allSatisfy { BatchDocument.isEntryKey($0.contentHash) })
    }

    @Test func blocksBetweenDashesAreOnePromptEach() throws {
        let document = try #require(try read("A fox\nin the snow\n---\n\nAn owl\n---\n"))
        #expect(document.entries.map(\.prompt) == ["A fox\nin the snow", "An owl"])
        #expect(document.entries.map(\.line) == [1, 5])
    }

    @Test func anEditedEntryKeepsTheOthersKeys() throws {
        let before = try #require(try read("A\nB\nC\n")).entries.map(\.contentHash)
        let after = try #require(try read("A\nB2\nC\n")).entries.map(\.contentHash)
        #expect(before[0] == after[0] && before[2] == after[2] && before[1] != after[1])
    }

    @Test func anInsertedLineOrARequotedRowKeepsTheOtherEntriesKeys() throws {
        let before = try #require(try read("A\nB\nA\n")).entries.map(\.contentHash)
        let inserted = try #require(try read("Z\nA\nB\nA\n")).entries.map(\.contentHash)
        #expect(Array(inserted.dropFirst()) == before)
        let csv = try #require(try read("prompt,size\nA mug,1024x1024\nA plate,\n", "shots.csv")).entries.map(\.contentHash)
        let resaved = try #require(try read("size;prompt;name\r\n1024x1024;\"A mug\";\r\n;A plate;\r\n", "shots.csv")).entries.map(\.contentHash)
        #expect(resaved == csv, "re-quoted, columns reordered and an empty one added: the same rows")
    }

    @Test func csvRowsFollowRFC4180AndSemicolonSpreadsheets() throws {
        let document = try #require(try read("prompt,quality,name\n\"A mug, \"\"oak\"\"\nat dawn\",high,mug\nA plate,,\n", "shots.csv"))
        #expect(document.entries.map(\.prompt) == ["A mug, \"oak\"\nat dawn", "A plate"])
        #expect(document.entries.map(\.line) == [2, 4])
        #expect(document.entries[0].parameters.quality == "high" && document.entries[0].name == "mug")
        #expect(document.entries[1].parameters.quality == nil && document.entries[1].name == nil)
        let semicolons = try #require(try read("Prompt;Size;Preview\nA mug;1024x1024;TRUE\n", "shots.csv"))
        #expect(semicolons.entries.first?.parameters.size == "1024x1024")
        #expect(semicolons.entries.first?.parameters.preview == true && semicolons.entries.first?.problem == nil)
    }

    @Test func aCSVWithoutAPromptColumnIsNotABatch() throws {
        #expect(try read("title,size\nx,1024x1024\n", "notes.csv") == nil)
    }

    @Test func aBadRowIsThatEntrysProblemAndABadColumnTheFiles() throws {
        let document = try #require(try read("prompt,count,name\nA,2,a\nB,many,b\nC,1,c,extra\n,1,d\nE,1,../e\n", "shots.csv"))
        #expect(document.entries[0].problem == nil)
        #expect(document.entries[1].problem?.message.contains("count") == true)
        #expect(document.entries[2].problem?.message.contains("4 fields") == true)
        #expect(document.entries[3].problem?.message == "The prompt is empty.")
        #expect(document.entries[4].problem?.message.contains("contains '/'") == true)
        let error = #expect(throws: ImageInboxError.self) { try read("prompt,sise\nA,1024x1024\n", "shots.csv") }
        #expect(error?.message.contains("column 'sise' is not a setting. Did you mean 'size'?") == true, "\(error?.message ?? "")")
        #expect(throws: ImageInboxError.self) { try read("prompt\n\"never closed\n", "shots.csv") }
    }
}
