import Foundation
import ImageInbox
import Testing

struct FolderStyleTests {
    static let brand = """
        quality: medium
        prompt_template: "{prompt}. Flat vector illustration in the brand palette: navy, coral, sand."
        presets:
          poster: {size: 1024x1536, quality: high, prompt_template: "Poster: {prompt}"}
          square: {size: 1024x1024}
        """

    @Test func aTemplateAndAPresetMakeThePromptAndParameters() throws {
        try FolderDefaultsCacheTests.withInbox { inbox in
            try FolderDefaultsCacheTests.write(Self.brand, to: inbox + "/image-inbox.yaml", modified: Date())
            let style = try FolderDefaultsCache().style(for: inbox + "/posters", inbox: inbox)

            let plain = try style.resolve(frontMatter: ImageParameters(), preset: nil, prompt: "A fox", over: ImageParameters(size: "auto"))
            #expect(plain.prompt == "A fox. Flat vector illustration in the brand palette: navy, coral, sand.")
            #expect(plain.parameters == ImageParameters(size: "auto", quality: "medium"))

            let poster = try style.resolve(frontMatter: ImageParameters(), preset: "poster", prompt: "A fox", over: ImageParameters())
            #expect(poster.prompt == "Poster: A fox")
            #expect(poster.parameters == ImageParameters(size: "1024x1536", quality: "high"))

            // The file's own front matter beats the preset it chose; an edit's instruction is not templated.
            let own = try style.resolve(frontMatter: ImageParameters(quality: "low"), preset: "square", prompt: "A fox", templated: false, over: ImageParameters())
            #expect(own.prompt == "A fox")
            #expect(own.parameters == ImageParameters(size: "1024x1024", quality: "low"))
        }
    }

    @Test func lockedValuesBeatFrontMatterPresetsAndDeeperFolders() throws {
        try FolderDefaultsCacheTests.withInbox { inbox in
            try FolderDefaultsCacheTests.write("locked: {quality: low}\npresets:\n  hq: {quality: high}\n", to: inbox + "/image-inbox.yaml", modified: Date())
            try FolderDefaultsCacheTests.write("quality: high\nlocked:\n  quality: high\n  size: 1024x1024\n", to: inbox + "/posters/image-inbox.yaml", modified: Date())
            let style = try FolderDefaultsCache().style(for: inbox + "/posters", inbox: inbox)
            let resolved = try style.resolve(frontMatter: ImageParameters(size: "1536x1024", quality: "high"), preset: "hq", prompt: "A fox", over: ImageParameters())
            #expect(resolved.parameters.quality == "low", "the upper folder's lock wins over everything below it")
            #expect(resolved.parameters.size == "1024x1024", "the deeper folder's own lock holds for a key the upper one left free")
        }
    }

    @Test func aLockedTemplateBeatsADeeperFoldersTemplateAndThePresetAFileChooses() throws {
        try FolderDefaultsCacheTests.withInbox { inbox in
            try FolderDefaultsCacheTests.write("locked:\n  prompt_template: \"{prompt}. Brand style.\"\n", to: inbox + "/image-inbox.yaml", modified: Date())
            try FolderDefaultsCacheTests.write(
                "prompt_template: \"{prompt}. Team style.\"\nlocked: {prompt_template: \"Deeper lock: {prompt}\"}\npresets:\n  loud: {prompt_template: \"LOUD {prompt}\"}\n",
                to: inbox + "/posters/image-inbox.yaml", modified: Date()
            )
            let style = try FolderDefaultsCache().style(for: inbox + "/posters", inbox: inbox)
            #expect(try style.resolve(frontMatter: ImageParameters(), preset: nil, prompt: "A fox", over: ImageParameters()).prompt == "A fox. Brand style.")
            #expect(try style.resolve(frontMatter: ImageParameters(), preset: "loud", prompt: "A fox", over: ImageParameters()).prompt == "A fox. Brand style.")
            #expect(try style.resolve(frontMatter: ImageParameters(), preset: "loud", prompt: "Fix", templated: false, over: ImageParameters()).prompt == "Fix")

            // Where no upper folder locks it, a folder's own lock holds over its presets.
            let team = try FolderDefaultsCache().style(for: inbox + "/posters", inbox: inbox + "/posters")
            #expect(try team.resolve(frontMatter: ImageParameters(), preset: "loud", prompt: "A fox", over: ImageParameters()).prompt == "Deeper lock: A fox")
        }
    }

    @Test func aLockedOutputNameBeatsACSVRowsNameAndAnUnlockedOneDoesNot() throws {
        let rows = try #require(try BatchDocument.read(Data("prompt,name\nA mug,mug\nA plate,\n".utf8), path: "/in/shots.csv"))
        #expect(rows.entries.map(\.parameters.outputName) == ["mug", nil], "a row's name is its output_name")
        let locked = FolderStyle(defaults: ImageParameters(outputName: "{name}-{size}"), locked: ImageParameters(outputName: "brand-{name}-{index}"))
        let free = FolderStyle(defaults: ImageParameters(outputName: "{name}-{size}"))
        for entry in rows.entries {
            let resolved = try locked.resolve(frontMatter: entry.parameters, preset: entry.preset, prompt: entry.prompt, over: ImageParameters())
            #expect(resolved.parameters.outputName == "brand-{name}-{index}")
        }
        let named = try free.resolve(frontMatter: rows.entries[0].parameters, preset: nil, prompt: "A mug", over: ImageParameters())
        #expect(named.parameters.outputName == "mug")
        let unnamed = try free.resolve(frontMatter: rows.entries[1].parameters, preset: nil, prompt: "A plate", over: ImageParameters())
        #expect(unnamed.parameters.outputName == "{name}-{size}")
    }

    @Test func anUnknownPresetIsRefusedWithTheNearestName() throws {
        try FolderDefaultsCacheTests.withInbox { inbox in
            try FolderDefaultsCacheTests.write(Self.brand, to: inbox + "/image-inbox.yaml", modified: Date())
            let style = try FolderDefaultsCache().style(for: inbox, inbox: inbox)
            let error = #expect(throws: ImageInboxError.self) { try style.resolve(frontMatter: ImageParameters(), preset: "postr", prompt: "x", over: ImageParameters()) }
            #expect(error?.message.contains("preset 'postr' is not defined for this folder. Did you mean 'poster'?") == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("poster, square") == true)
        }
    }

    @Test(arguments: [
        ("prompt_template: \"Flat vector\"\n", "has no {prompt}"),
        ("presets:\n  poster: {sise: 1024x1536}\n", "Unknown key 'sise' (line 2) in the preset 'poster'"),
        ("locked: {qualty: low}\n", "Unknown key 'qualty' (line 1) in the locked: of the folder defaults"),
        ("locked: {prompt_template: \"Flat vector\"}\n", "prompt_template in the locked: of the folder defaults"),
        ("locked: low\n", "locked: in the folder defaults"),
        ("presets: [poster]\n", "presets: in the folder defaults"),
    ])
    func aWrongStyleIsRefusedByName(text: String, message: String) throws {
        try FolderDefaultsCacheTests.withInbox { inbox in
            try FolderDefaultsCacheTests.write(text, to: inbox + "/image-inbox.yaml", modified: Date())
            let error = #expect(throws: ImageInboxError.self) { try FolderDefaultsCache().style(for: inbox, inbox: inbox) }
            #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
        }
    }

    @Test func frontMatterChoosesAPreset() throws {
        let document = try PromptDocument(data: Data("---\npreset: poster\nsize: 1024x1024\n---\nA fox".utf8))
        #expect(document.preset == "poster")
        #expect(document.parameters.size == "1024x1024")
    }
}
