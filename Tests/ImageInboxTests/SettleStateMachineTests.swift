import ImageInbox
import Testing

struct SettleStateMachineTests {
    typealias Machine = SettleStateMachine<ContinuousClock.Instant>
    let start = ContinuousClock.now
    let machine = Machine(configuration: .init(settleWindow: .milliseconds(500), quietWindow: .seconds(5)))

    func identity(size: Int64, mtime: Int64 = 1, inode: UInt64 = 7) -> FileSystem.Identity {
        FileSystem.Identity(device: 1, inode: inode, size: size, modificationNanoseconds: mtime, isRegularFile: true, isDirectory: false)
    }

    func at(_ seconds: Double) -> ContinuousClock.Instant {
        start.advanced(by: .milliseconds(Int64(seconds * 1000)))
    }

    @Test func smbdCloseSettlesAfterTheShortWindow() {
        var machine = machine
        let file = identity(size: 100)
        machine.record(.modified, path: "/in/a.prompt", identity: identity(size: 10), now: at(0))
        machine.record(.closed, path: "/in/a.prompt", identity: file, now: at(1))
        #expect(machine.duePaths(now: at(1.4)).isEmpty)
        #expect(machine.duePaths(now: at(1.5)) == ["/in/a.prompt"])
        #expect(machine.decide(path: "/in/a.prompt", identity: file, now: at(1.5)) == .settled(file))
        #expect(machine.pendingCount == 0)
    }

    @Test func writeAfterCloseWaitsAgain() {
        var machine = machine
        machine.record(.closed, path: "/in/a.prompt", identity: identity(size: 100), now: at(0))
        machine.record(.opened, path: "/in/a.prompt", identity: nil, now: at(0.3))
        machine.record(.modified, path: "/in/a.prompt", identity: identity(size: 200, mtime: 2), now: at(0.4))
        #expect(machine.duePaths(now: at(1)).isEmpty)
        #expect(machine.duePaths(now: at(5.4)) == ["/in/a.prompt"])
    }

    @Test func fuseEmptyFirstCloseIsNotComplete() {
        var machine = machine
        machine.record(.closed, path: "/in/a.prompt", identity: identity(size: 0), now: at(0))
        #expect(machine.duePaths(now: at(1)).isEmpty)
        machine.record(.modified, path: "/in/a.prompt", identity: identity(size: 50, mtime: 2), now: at(1.5))
        machine.record(.closed, path: "/in/a.prompt", identity: identity(size: 120, mtime: 3), now: at(2))
        #expect(machine.duePaths(now: at(2.5)) == ["/in/a.prompt"])
        #expect(machine.decide(path: "/in/a.prompt", identity: identity(size: 120, mtime: 3), now: at(2.5)) == .settled(identity(size: 120, mtime: 3)))
    }

    @Test func nfsv3WithoutCloseSettlesAfterTheQuietWindowOnly() {
        var machine = machine
        machine.record(.modified, path: "/in/a.prompt", identity: identity(size: 10), now: at(0))
        machine.record(.modified, path: "/in/a.prompt", identity: identity(size: 20, mtime: 2), now: at(1))
        // A 3 s pause in the upload: not yet due.
        #expect(machine.duePaths(now: at(4)).isEmpty)
        machine.record(.modified, path: "/in/a.prompt", identity: identity(size: 30, mtime: 3), now: at(4))
        #expect(machine.duePaths(now: at(8.9)).isEmpty)
        #expect(machine.duePaths(now: at(9)) == ["/in/a.prompt"])
    }

    @Test func changeSeenAtTheEndOfTheWindowRestartsIt() {
        var machine = machine
        machine.record(.closed, path: "/in/a.prompt", identity: identity(size: 100), now: at(0))
        #expect(machine.decide(path: "/in/a.prompt", identity: identity(size: 150, mtime: 9), now: at(0.5)) == .keepWaiting)
        #expect(machine.duePaths(now: at(0.9)).isEmpty)
        #expect(machine.duePaths(now: at(1)) == ["/in/a.prompt"])
        #expect(machine.decide(path: "/in/a.prompt", identity: identity(size: 150, mtime: 9), now: at(1)) == .settled(identity(size: 150, mtime: 9)))
    }

    @Test func writeAfterCloseReopensTheWaitEvenWhenTheStatAlreadySawIt() {
        var machine = machine
        // The close was handled after the next write had landed: both stats show the same file.
        machine.record(.closed, path: "/in/a.prompt", identity: identity(size: 40), now: at(0))
        machine.record(.modified, path: "/in/a.prompt", identity: identity(size: 40), now: at(0.01))
        #expect(machine.duePaths(now: at(3)).isEmpty)
        #expect(machine.duePaths(now: at(5.01)) == ["/in/a.prompt"])
    }

    @Test func repeatedScansOfAnUnchangedFileDoNotPostponeIt() {
        var machine = machine
        machine.record(.scanned, path: "/in/a.prompt", identity: identity(size: 10), now: at(0))
        machine.record(.scanned, path: "/in/a.prompt", identity: identity(size: 10), now: at(4))
        #expect(machine.duePaths(now: at(5)) == ["/in/a.prompt"])
        machine.record(.scanned, path: "/in/b.prompt", identity: identity(size: 10), now: at(0))
        machine.record(.scanned, path: "/in/b.prompt", identity: identity(size: 11, mtime: 2), now: at(4))
        #expect(machine.duePaths(now: at(5)) == ["/in/a.prompt"])
    }

    @Test func vanishedFileIsForgotten() {
        var machine = machine
        machine.record(.closed, path: "/in/a.prompt", identity: identity(size: 100), now: at(0))
        #expect(machine.decide(path: "/in/a.prompt", identity: nil, now: at(1)) == .vanished)
        #expect(machine.pendingCount == 0)
    }

    @Test func openAloneStartsNothing() {
        var machine = machine
        machine.record(.opened, path: "/in/a.prompt", identity: nil, now: at(0))
        #expect(machine.pendingCount == 0)
    }

    @Test func forgettingAFolderForgetsWhatIsBelowIt() {
        var machine = machine
        machine.record(.modified, path: "/in/sub/a.prompt", identity: identity(size: 1), now: at(0))
        machine.record(.modified, path: "/in/other.prompt", identity: identity(size: 1), now: at(0))
        machine.forget(below: "/in/sub")
        #expect(machine.duePaths(now: at(10)) == ["/in/other.prompt"])
    }

    @Test func aRenameIsCompleteAtOnceUnlessTheFileIsEmpty() {
        var machine = machine
        machine.record(.renamed, path: "/in/a.prompt", identity: identity(size: 100), now: at(0))
        machine.record(.renamed, path: "/in/empty.prompt", identity: identity(size: 0, inode: 8), now: at(0))
        #expect(machine.duePaths(now: at(0)) == ["/in/a.prompt"])
        #expect(machine.decide(path: "/in/a.prompt", identity: identity(size: 100), now: at(0)) == .settled(identity(size: 100)))
        #expect(machine.duePaths(now: at(4.9)).isEmpty)
        #expect(machine.duePaths(now: at(5)) == ["/in/empty.prompt"])
    }

    @Test func aScannedFileAtRestIsDueAtOnceAndAnOpenDoesNotPostponeIt() {
        var machine = machine
        machine.record(.scannedAtRest, path: "/in/old.prompt", identity: identity(size: 10), now: at(0))
        machine.record(.opened, path: "/in/old.prompt", identity: nil, now: at(0.1))
        #expect(machine.duePaths(now: at(0.1)) == ["/in/old.prompt"])
    }

    @Test func theNextDeadlineIsTheEarliestWindowAndNoneWhenNothingWaits() {
        var machine = machine
        #expect(machine.nextDeadline() == nil)
        machine.record(.modified, path: "/in/slow.prompt", identity: identity(size: 10), now: at(0))
        machine.record(.closed, path: "/in/fast.prompt", identity: identity(size: 10, inode: 9), now: at(1))
        #expect(machine.nextDeadline() == at(1.5))
        _ = machine.decide(path: "/in/fast.prompt", identity: identity(size: 10, inode: 9), now: at(1.5))
        #expect(machine.nextDeadline() == at(5))
        machine.forget(path: "/in/slow.prompt")
        #expect(machine.nextDeadline() == nil)
    }
}
