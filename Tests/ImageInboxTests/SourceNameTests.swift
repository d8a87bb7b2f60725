import ImageInbox
import Testing

struct SourceNameTests {
    @Test(arguments: [
        ("/inbox/posters/cat.prompt", "/inbox/posters", "cat.prompt", "prompt", "/inbox/posters/cat"),
        ("/inbox/Café crème.PNG", "/inbox", "Café crème.PNG", "png", "/inbox/Café crème"),
        ("/inbox/e\u{301}té.mask.png", "/inbox", "e\u{301}té.mask.png", "png", "/inbox/e\u{301}té.mask"),
        ("/inbox/.hidden", "/inbox", ".hidden", "", "/inbox/.hidden"),
        ("/inbox/no-extension", "/inbox", "no-extension", "", "/inbox/no-extension"),
        ("/cat.prompt", "/", "cat.prompt", "prompt", "/cat"),
        ("cat.prompt", ".", "cat.prompt", "prompt", "cat"),
        ("/inbox/猫.edit/instructions.txt", "/inbox/猫.edit", "instructions.txt", "txt", "/inbox/猫.edit/instructions"),
    ])
    func partsOfAPath(path: String, directory: String, fileName: String, fileExtension: String, stem: String) {
        let name = SourceName(path: path)
        #expect(name.directory == directory)
        #expect(name.fileName == fileName)
        #expect(name.fileExtension == fileExtension)
        #expect(name.stem == stem)
    }
}
