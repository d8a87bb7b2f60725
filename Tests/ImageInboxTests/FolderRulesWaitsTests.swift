import ImageInbox
import Testing

struct FolderRulesWaitsTests {
    static func source(_ path: String) -> SettledSource {
        SettledSource(
            inbox: "/in", path: path,
            identity: FileSystem.Identity(device: 1, inode: 1, size: 1, modificationNanoseconds: 0, isRegularFile: true, isDirectory: false)
        )
    }

    static let brand = UnreadableFolderDefaults(path: "/in/brand/image-inbox.yaml", reason: .symbolicLink)
    static let root = UnreadableFolderDefaults(path: "/in/image-inbox.yaml", reason: .tooLarge(bytes: 70_000))

    @Test func oneSourcePerFileComesBackToLookAndTheFileIsNotedOnce() {
        var waits = FolderRulesWaits()
        let (fox, owl) = (Self.source("/in/brand/fox.prompt"), Self.source("/in/brand/owl.prompt"))
        let first = waits.hold(fox, on: Self.brand)
        #expect(first.isNew && first.polls == [fox])
        let second = waits.hold(owl, on: Self.brand)
        #expect(!second.isNew && second.polls.isEmpty, "one note and one look, however many wait")
        #expect(waits.hold(fox, on: Self.brand).polls == [fox], "the poller comes back again while the file is bad")
        #expect(waits.hold(owl, on: Self.brand).polls.isEmpty)

        var found = Self.brand
        found.reason = .permissionDenied
        #expect(waits.hold(owl, on: found).isNew, "bad in a new way: noted again")
        #expect(waits.holds[Self.brand.path]?.waiting == [fox, owl])
    }

    @Test func aSourceMovingToAnUpperFileHandsOnItsLooksAndLeavesNoEmptyWait() {
        var waits = FolderRulesWaits()
        let (fox, owl) = (Self.source("/in/brand/fox.prompt"), Self.source("/in/brand/owl.prompt"))
        _ = waits.hold(fox, on: Self.brand)
        _ = waits.hold(owl, on: Self.brand)
        let moved = waits.hold(fox, on: Self.root)
        #expect(moved.isNew && moved.polls == [owl, fox], "owl now looks at brand/, fox at the root")
        #expect(moved.dropped.isEmpty)
        let last = waits.hold(owl, on: Self.root)
        #expect(last.dropped == [Self.brand], "no one waits for brand/ any more")
        #expect(waits.files == [Self.root])
    }

    @Test func aWaitIsReleasedOnceAndOnlyForTheFileAsItWasFound() {
        var waits = FolderRulesWaits()
        let fox = Self.source("/in/brand/fox.prompt")
        _ = waits.hold(fox, on: Self.brand)
        var other = Self.brand
        other.reason = .notRegularFile
        #expect(waits.release([other]).isEmpty, "a wait set since on the file as it is now stays")
        let released = waits.release([Self.brand])
        #expect(released.map(\.waiting) == [[fox]])
        #expect(waits.release([Self.brand]).isEmpty)
        #expect(waits.files.isEmpty)
    }
}
