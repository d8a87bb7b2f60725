import Foundation
import ImageInbox
import Testing

struct OutputNameTests {
    @Test func placeholdersAreFilledFromTheJob() throws {
        let name = try OutputName("{date}_{time}-{name}-{index}-{size}-{model}-{preset}")
        var parts = DateComponents()
        (parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second) = (2026, 12, 4, 9, 5, 7)
        let created = try #require(Calendar.current.date(from: parts))
        let parameters = ResolvedParameters(model: "openai/gpt-image-2", size: "1024x1536")
        #expect(name.render(name: "cat", index: 1, created: created, parameters: parameters, preset: "poster") == "2026-12-04_090507-cat-001-1024x1536-openai-gpt-image-2-poster")
        #expect(try OutputName("{name}").render(name: "cat", index: 1, created: created, parameters: ResolvedParameters(model: "m"), preset: nil) == "cat")
        #expect(try OutputName("{size}-{name}").render(name: "cat", index: 1, created: created, parameters: ResolvedParameters(model: "m"), preset: nil) == "auto-cat")
    }

    @Test(arguments: [
        ("../{name}", "contains '/'"),
        ("out/{name}", "contains '/'"),
        (".{name}", "empty or hidden"),
        ("  ", "empty or hidden"),
        ("{nme}-x", "uses {nme}, which is not a placeholder. Did you mean {name}?"),
        ("{name", "never closed"),
    ])
    func aTemplateThatCouldLeaveTheFolderOrIsWrongIsRefused(template: String, message: String) {
        let error = #expect(throws: ImageInboxError.self) { try OutputName(template) }
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }
}
