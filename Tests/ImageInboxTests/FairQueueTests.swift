import ImageInbox
import Testing

struct FairQueueTests {
    typealias Queue = FairQueue<ContinuousClock.Instant>
    let start = ContinuousClock.now
    let identity = FileSystem.Identity(device: 1, inode: 1, size: 1, modificationNanoseconds: 1, isRegularFile: true, isDirectory: false)

    func source(_ inbox: String, _ name: String) -> SettledSource {
        SettledSource(inbox: inbox, path: inbox + "/" + name, identity: identity)
    }

    @Test func inboxesTakeTurns() {
        var queue = Queue()
        for index in 1...3 { queue.enqueue(source("/busy", "b\(index).prompt")) }
        queue.enqueue(source("/quiet", "q1.prompt"))
        let order = (0..<4).compactMap { _ in queue.take(now: start)?.path }
        #expect(order == ["/busy/b1.prompt", "/quiet/q1.prompt", "/busy/b2.prompt", "/busy/b3.prompt"])
    }

    @Test func aFileChangedWhileItsJobRunsIsTakenAgainAfterward() {
        var queue = Queue()
        let first = source("/in", "cat.prompt")
        queue.enqueue(first)
        #expect(queue.take(now: start) == first)
        queue.enqueue(first)
        #expect(queue.take(now: start) == nil)
        queue.finish(first, paused: false)
        #expect(queue.take(now: start) == first)
    }

    @Test func noMoreThanTheLimitRun() {
        var queue = Queue(limit: 2)
        for index in 1...3 { queue.enqueue(source("/in", "\(index).prompt")) }
        let first = queue.take(now: start)!
        _ = queue.take(now: start)
        #expect(queue.take(now: start) == nil)
        queue.finish(first, paused: false)
        #expect(queue.take(now: start)?.path == "/in/3.prompt")
        queue.limit = 4
        #expect(queue.runningCount == 2)
    }

    @Test func aJobWaitingToBeTriedAgainLeavesItsPlaceUpToTheLimit() {
        var queue = Queue(limit: 1)
        for index in 1...4 { queue.enqueue(source("/in", "\(index).prompt")) }
        #expect(queue.take(now: start)?.path == "/in/1.prompt")
        #expect(queue.take(now: start) == nil)
        queue.resting += 1
        #expect(queue.take(now: start)?.path == "/in/2.prompt", "the failing prompt does not hold the queue")
        queue.resting += 1
        #expect(queue.take(now: start) == nil, "at most the limit of resting jobs is let off: an outage keeps twice the limit trying")
        #expect(queue.runningCount == 2)
    }

    @Test func aWaitingFileIsQueuedOnce() {
        var queue = Queue()
        queue.enqueue(source("/in", "a.prompt"))
        queue.enqueue(source("/in", "a.prompt"))
        #expect(queue.waitingCount == 1)
    }

    @Test func aPausedQueueLetsOneProbeThroughWhenThePauseRunsOut() {
        var queue = Queue()
        let a = source("/in", "a.prompt")
        let b = source("/in", "b.prompt")
        queue.enqueue(a)
        queue.enqueue(b)
        let first = queue.take(now: start)
        queue.pause(reason: "key refused", until: start.advanced(by: .seconds(60)))
        let resumedEarly = queue.finish(first!, paused: true)
        #expect(!resumedEarly)
        #expect(queue.take(now: start.advanced(by: .seconds(59))) == nil)
        let probe = queue.take(now: start.advanced(by: .seconds(60)))
        #expect(probe == a, "the paused job goes first")
        #expect(queue.take(now: start.advanced(by: .seconds(61))) == nil, "one probe at a time")
        let resumed = queue.finish(probe!, paused: false)
        #expect(resumed)
        #expect(queue.pause == nil)
        #expect(queue.take(now: start.advanced(by: .seconds(61))) == b)
    }

    @Test func aProbeThatSentNoRequestLeavesThePauseToTheNextJob() {
        var queue = Queue()
        let batch = source("/in", "list.prompts")
        let b = source("/in", "b.prompt")
        queue.enqueue(batch)
        queue.enqueue(b)
        queue.pause(reason: "no credit", until: start)
        let probe = queue.take(now: start)
        #expect(probe == batch)
        let resumed = queue.finish(probe!, paused: false, askedTheAPI: false)
        #expect(!resumed && queue.pause != nil, "reading a batch file says nothing of the credit")
        #expect(queue.take(now: start) == b, "the next job probes at once")
        #expect(queue.waitingCount == 0, "the batch file is not queued again")
    }

    @Test func aFailedProbePausesAgain() {
        var queue = Queue()
        queue.enqueue(source("/in", "a.prompt"))
        queue.pause(reason: "no credit", until: start)
        let probe = queue.take(now: start)!
        queue.pause(reason: "no credit", until: start.advanced(by: .seconds(300)))
        let resumed = queue.finish(probe, paused: true)
        #expect(!resumed)
        #expect(queue.take(now: start.advanced(by: .seconds(10))) == nil)
        #expect(queue.waitingCount == 1)
    }
}
