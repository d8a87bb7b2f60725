import ImageInbox
import Testing

struct SpendReservationsTests {
    typealias Budget = SpendReservations.Budget

    static func source(_ path: String) -> SettledSource {
        SettledSource(
            inbox: "/in", path: path,
            identity: FileSystem.Identity(device: 1, inode: 1, size: 1, modificationNanoseconds: 0, isRegularFile: true, isDirectory: false)
        )
    }

    @Test func aJobStartsOnlyWhileSpentReservedAndItsEstimateFitTheBudget() throws {
        var reservations = SpendReservations()
        let daily = Budget(limit: 1.00, spent: 0.50)
        _ = try reservations.reserveFitting(0.25, "/in/a.prompt", [daily])
        _ = try reservations.reserveFitting(0.25, "/in/b.prompt", [daily])
        #expect(reservations.reserved() == 0.50)
        #expect(
            reservations.reserve(0.25, "/in/c.prompt", [daily]) == .waitForRelease(daily, reserved: 0.50),
            "$0.50 spent and $0.50 in flight leave no room; a release may"
        )
        #expect(reservations.count == 2, "a job that waits reserves nothing")
        #expect(reservations.waiting.isEmpty, "the daily budget's waits are the queue's, not set aside here")
    }

    @Test func aBudgetWithLessLeftThanTheEstimateIsSpentWhateverIsInFlight() throws {
        var reservations = SpendReservations()
        let nearlySpent = Budget(limit: 1.00, spent: 0.90)
        #expect(reservations.reserve(0.20, "/in/a.prompt", [nearlySpent]) == .spent(nearlySpent))
        _ = try reservations.reserveFitting(0.20, "/in/b.prompt", [Budget(limit: 1.00, spent: 0.10)])
        // No release makes room that is not there with nothing in flight.
        let spent = Budget(limit: 1.00, spent: 0.85)
        #expect(reservations.reserve(0.20, "/in/c.prompt", [spent]) == .spent(spent))
        let roomAfterARelease = Budget(limit: 1.00, spent: 0.75)
        #expect(reservations.reserve(0.20, "/in/c.prompt", [roomAfterARelease]) == .waitForRelease(roomAfterARelease, reserved: 0.20))
    }

    @Test func aJobEstimatedAtMoreThanAWholeBudgetExceedsItWhateverWasSpent() {
        var reservations = SpendReservations()
        let folder = Budget(folder: "/in/drafts", limit: 0.10, spent: 0)
        #expect(
            reservations.reserve(0.19, "/in/drafts/a.prompt", [Budget(limit: 1.00, spent: 0.95), folder]) == .exceeds(folder),
            "no day makes room for it: it is reported rather than left waiting"
        )
        #expect(reservations.count == 0 && reservations.waiting.isEmpty)
    }

    @Test func estimatesThatAddUpToTheBudgetExactlyFit() throws {
        var reservations = SpendReservations()
        let daily = Budget(limit: 0.30, spent: 0)
        _ = try reservations.reserveFitting(0.10, "/in/a.prompt", [daily])
        _ = try reservations.reserveFitting(0.20, "/in/b.prompt", [daily])
        #expect(reservations.count == 2, "$0.10 and $0.20 are a little more than $0.30 in binary, and fit all the same")
        let inFlight = reservations.reserved()
        #expect(reservations.reserve(0.01, "/in/c.prompt", [daily]) == .waitForRelease(daily, reserved: inFlight))
    }

    @Test func aReservationCountsForEveryBudgetFolderHoldingItsFile() throws {
        var reservations = SpendReservations()
        let drafts = Budget(folder: "/in/drafts", limit: 0.50, spent: 0)
        let sketches = Budget(folder: "/in/drafts/sketches", limit: 0.30, spent: 0)
        _ = try reservations.reserveFitting(0.25, "/in/drafts/sketches/a.prompt", [drafts, sketches])
        #expect(reservations.reserved(inFolder: "/in/drafts") == 0.25)
        #expect(reservations.reserved(inFolder: "/in/drafts/sketches") == 0.25)
        #expect(reservations.reserved(inFolder: "/in/final") == 0)
        #expect(reservations.reserved(inFolder: "/in/draft") == 0, "a folder whose name begins alike holds none of it")
        #expect(reservations.reserved() == 0.25)

        #expect(
            reservations.reserve(0.25, "/in/drafts/sketches/b.prompt", [drafts, sketches]) == .waitForRelease(sketches, reserved: 0.25),
            "drafts/ has room for it, sketches/ only once a.prompt's request ends"
        )
        _ = try reservations.reserveFitting(0.25, "/in/drafts/c.prompt", [drafts])
        #expect(reservations.reserved(inFolder: "/in/drafts") == 0.50)
        #expect(reservations.reserve(0.25, "/in/drafts/d.prompt", [drafts]) == .waitForRelease(drafts, reserved: 0.50))
        _ = try reservations.reserveFitting(0.25, "/in/final/e.prompt", [Budget(folder: "/in/final", limit: 0.30, spent: 0)])
        #expect(reservations.waiting.map(\.path) == ["/in/drafts/sketches/b.prompt", "/in/drafts/d.prompt"])
    }

    @Test func theDailyBudgetWaitsFirstAndASpentFolderBudgetBeforeAnyWait() throws {
        var reservations = SpendReservations()
        let folder = Budget(folder: "/in/drafts", limit: 0.30, spent: 0)
        _ = try reservations.reserveFitting(0.25, "/in/drafts/a.prompt", [Budget(limit: 0.45, spent: 0), folder])
        let daily = Budget(limit: 0.45, spent: 0)
        #expect(
            reservations.reserve(0.25, "/in/drafts/b.prompt", [daily, folder]) == .waitForRelease(daily, reserved: 0.25),
            "both wait for a.prompt; the daily budget holds the queue"
        )
        #expect(reservations.waiting.isEmpty)
        let spentFolder = Budget(folder: "/in/drafts", limit: 0.30, spent: 0.10)
        #expect(
            reservations.reserve(0.25, "/in/drafts/b.prompt", [daily, spentFolder]) == .spent(spentFolder),
            "the daily budget only waits for a release; the folder's is spent for today"
        )
        #expect(reservations.waiting.isEmpty, "a file whose budget is spent is not set aside")
    }

    @Test func aReleaseSinceTheSpendWasReadMakesTheReadStale() throws {
        var reservations = SpendReservations()
        let daily = Budget(limit: 1.00, spent: 0)
        let first = try reservations.reserveFitting(0.25, "/in/a.prompt", [daily])
        let read = reservations.epoch
        _ = reservations.release(first)
        #expect(reservations.reserve(0.25, for: Self.source("/in/b.prompt"), against: [daily], readAt: read) == .stale)
        #expect(reservations.count == 0, "nothing is reserved on a stale read")
        _ = try reservations.reserveFitting(0.25, "/in/b.prompt", [daily])
    }

    @Test func releasingTwiceReleasesOnce() throws {
        var reservations = SpendReservations()
        let id = try reservations.reserveFitting(0.25, "/in/a.prompt", [])
        #expect(reservations.count == 1, "a job under no budget reserves all the same, for a budget set while it runs")
        _ = reservations.release(id)
        let epoch = reservations.epoch
        #expect(reservations.release(id).isEmpty)
        #expect(reservations.epoch == epoch, "a second release changes nothing")
        #expect(reservations.count == 0 && reservations.reserved() == 0)
    }

    @Test func aReleaseTakesAgainTheFileSetAsideLongestInItsFolderAndAllOnceNothingIsInFlight() throws {
        var reservations = SpendReservations()
        let drafts = Budget(folder: "/in/drafts", limit: 0.50, spent: 0)
        let first = try reservations.reserveFitting(0.25, "/in/drafts/a.prompt", [drafts])
        let second = try reservations.reserveFitting(0.25, "/in/drafts/b.prompt", [drafts])
        for name in ["c", "d", "e"] {
            #expect(reservations.reserve(0.25, "/in/drafts/\(name).prompt", [drafts]) == .waitForRelease(drafts, reserved: 0.50))
        }
        let final = Budget(folder: "/in/final", limit: 0.20, spent: 0)
        let other = try reservations.reserveFitting(0.20, "/in/final/f.prompt", [final])
        #expect(reservations.reserve(0.20, "/in/final/g.prompt", [final]) == .waitForRelease(final, reserved: 0.20))
        // Set aside again: the file keeps one place, its newest.
        #expect(reservations.reserve(0.25, "/in/drafts/c.prompt", [drafts]) == .waitForRelease(drafts, reserved: 0.50))
        #expect(reservations.waiting.map(\.path) == ["/in/drafts/d.prompt", "/in/drafts/e.prompt", "/in/final/g.prompt", "/in/drafts/c.prompt"])

        #expect(reservations.release(first).map(\.path) == ["/in/drafts/d.prompt"], "one request ended: room for about one job")
        #expect(reservations.release(other).map(\.path) == ["/in/final/g.prompt"], "only its own folder's files")
        #expect(
            reservations.release(second).map(\.path) == ["/in/drafts/e.prompt", "/in/drafts/c.prompt"],
            "nothing of drafts/ in flight: no release is left to wake them"
        )
        #expect(reservations.waiting.isEmpty)
    }
}

extension SpendReservations {
    /// A decision that was not a reservation.
    struct Unfit: Error {
        var decision: Decision
    }

    /// Reserves `usd` for the file at `path`, with the spend read at the current epoch.
    mutating func reserve(_ usd: Double, _ path: String, _ budgets: [Budget]) -> Decision {
        reserve(usd, for: SpendReservationsTests.source(path), against: budgets, readAt: epoch)
    }

    /// Reserves `usd` for the file at `path`, which must fit.
    mutating func reserveFitting(_ usd: Double, _ path: String, _ budgets: [Budget]) throws -> ID {
        let decision = reserve(usd, path, budgets)
        guard case .reserved(let id) = decision else { throw Unfit(decision: decision) }
        return id
    }
}
