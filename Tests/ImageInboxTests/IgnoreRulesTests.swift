import ImageInbox
import Testing

struct IgnoreRulesTests {
    let rules = IgnoreRules(extraPatterns: ["*.bak"])

    @Test(arguments: [
        ".DS_Store", "._cat.prompt", ".hidden.prompt", "Thumbs.db", "thumbs.db", "desktop.ini", "~$report.prompt",
        ".~lock.cat.prompt#", "#cat.prompt#", "cat.prompt~", "cat.tmp", "cat.part", "cat.partial", "cat.crdownload",
        "cat.download", "cat.swp", "@eaDir", ".Trashes", "__MACOSX", "$RECYCLE.BIN", "System Volume Information",
        "old.bak", ".cat.png.image-inbox-1x2y.tmp",
    ])
    func shareJunkIsIgnored(name: String) {
        #expect(rules.ignores(name: name))
    }

    @Test(arguments: ["cat.prompt", "Katze – Ölgemälde.prompt", "posters-hq", "image-inbox.yaml", "cat.png"])
    func ordinaryNamesAreNot(name: String) {
        #expect(!rules.ignores(name: name))
    }

    @Test func anIgnoredFolderHidesWhatIsInside() {
        #expect(rules.ignores(relativePath: "__MACOSX/cat.prompt"))
        #expect(!rules.ignores(relativePath: "team/cat.prompt"))
    }

    @Test func onlyPromptFilesTrigger() {
        let scanner = InboxScanner(ignoreRules: rules)
        #expect(scanner.isTrigger(path: "/in/cat.prompt"))
        #expect(scanner.isTrigger(path: "/in/CAT.PROMPT"))
        #expect(!scanner.isTrigger(path: "/in/cat.png"))
        #expect(!scanner.isTrigger(path: "/in/cat.error.txt"))
        #expect(!scanner.isTrigger(path: "/in/.cat.prompt"))
        #expect(!scanner.isTrigger(path: "/in/cat.prompt.tmp"))
    }
}
