/// The estimated costs of the requests in flight, held against the daily budget and the folder
/// budgets until their real cost is in the ledger.
///
/// The ledger counts what a job cost once the job ends, so jobs running at once each found the
/// budget free: eight at once against a $1.00 daily budget, each answered with about $0.125,
/// sent 16 requests and spent $2.00. Here a job starts only if what was spent today, what the
/// jobs in flight reserved and its own estimate fit every budget over its file; its reservation
/// is released once its attempt ends, when its real cost is in the ledger. A budget with less
/// left than the next job's estimate is spent for today: the day ends at or under it, as far as
/// the estimates err high.
///
/// A reservation counts for the daily budget and for every folder budget whose folder holds its
/// file, as the ledger counts a folder's spend. A file that must wait for a request of its
/// folder to end is set aside here and handed back by a release; the daily budget covers every
/// job, so its waits are the runner's whole queue held instead. Every decision is made here; the
/// runner keeps it behind a `Mutex`, reads the ledger, holds the queue and queues the files.
package struct SpendReservations: Sendable {
    /// One job's reservation, from ``reserve(_:for:against:readAt:)``.
    package struct ID: Hashable, Sendable {
        fileprivate let value: Int
    }

    /// A budget a job must fit, with what the ledger says was spent against it today.
    package struct Budget: Sendable, Equatable {
        /// The folder it covers with every folder below it (`max_usd_per_day` in its
        /// `image-inbox.yaml`); nil for the configuration's budget, which covers every file.
        package var folder: String?
        /// Dollars a day.
        package var limit: Double
        /// Dollars spent today, as the ledger says.
        package var spent: Double

        /// - Parameter folder: nil for the configuration's daily budget.
        package init(folder: String? = nil, limit: Double, spent: Double) {
            self.folder = folder
            self.limit = limit
            self.spent = spent
        }
    }

    /// Whether a job may start.
    package enum Decision: Sendable, Equatable {
        /// It fits: its estimate is reserved until ``release(_:)``.
        case reserved(ID)
        /// A reservation was released since the spend was read, and its cost may have reached the
        /// ledger after the read: read the spend again.
        case stale
        /// It is estimated at more than the whole of `budget`: it can never be made within it.
        case exceeds(Budget)
        /// It does not fit `budget` even with nothing in flight: that budget is spent for today.
        case spent(Budget)
        /// It does not fit `budget` while `reserved` dollars of it are in flight, and may once they
        /// end. For a folder budget the file is set aside, and handed back by a release.
        case waitForRelease(Budget, reserved: Double)
    }

    private struct Entry: Sendable {
        var path: String
        var usd: Double
    }

    private struct Parked: Sendable {
        var folder: String
        var source: SettledSource
        /// Its place in line.
        var order: Int
    }

    // Dollar amounts are not exact in binary: $0.10 and $0.20 add up to a little more than
    // $0.30, and must fit a $0.30 budget all the same.
    private static let tolerance = 1e-9

    private var entries: [Int: Entry] = [:]
    /// The files set aside for a folder budget, by queue key.
    private var parked: [String: Parked] = [:]
    private var counter = 0

    /// How many reservations were released so far: a spend read from the ledger is good only with
    /// the epoch taken before the read (``reserve(_:for:against:readAt:)``).
    package private(set) var epoch = 0

    /// Nothing reserved, nothing waiting.
    package init() {}

    /// How many reservations are held.
    package var count: Int { entries.count }

    /// The files set aside for a folder budget, oldest first.
    package var waiting: [SettledSource] {
        parked.values.sorted { $0.order < $1.order }.map(\.source)
    }

    /// Dollars reserved by the requests in flight: for every file, or with `folder`, for the
    /// files in that folder and below it.
    package func reserved(inFolder folder: String? = nil) -> Double {
        entries.values.filter { entry in folder.map { Self.folder($0, holds: entry.path) } ?? true }.reduce(0) { $0 + $1.usd }
    }

    /// Reserves `usd` for the job of `source` if it fits every one of `budgets` (the daily budget
    /// first, then the folder budgets over the file), with what the jobs in flight reserved.
    ///
    /// A budget smaller than the estimate decides first (no day makes room for the job), then a
    /// budget the job does not fit even with nothing in flight, as no release can make room that
    /// is not there then: a request's real cost replaces its reservation.
    ///
    /// - Parameters:
    ///   - budgets: The spend read from the ledger after `epoch` was taken.
    ///   - epoch: ``epoch`` as it was before the ledger was read.
    package mutating func reserve(_ usd: Double, for source: SettledSource, against budgets: [Budget], readAt epoch: Int) -> Decision {
        parked[source.queueKey] = nil
        if let budget = budgets.first(where: { usd > $0.limit + Self.tolerance }) { return .exceeds(budget) }
        guard epoch == self.epoch else { return .stale }
        var wait: (budget: Budget, reserved: Double)?
        for budget in budgets {
            guard budget.spent + usd <= budget.limit + Self.tolerance else { return .spent(budget) }
            let inFlight = self.reserved(inFolder: budget.folder)
            if wait == nil, budget.spent + inFlight + usd > budget.limit + Self.tolerance {
                wait = (budget, inFlight)
            }
        }
        counter += 1
        if let wait {
            // Something of this folder is in flight (it took the room), so a release will come.
            if let folder = wait.budget.folder {
                parked[source.queueKey] = Parked(folder: folder, source: source, order: counter)
            }
            return .waitForRelease(wait.budget, reserved: wait.reserved)
        }
        entries[counter] = Entry(path: source.path, usd: usd)
        return .reserved(ID(value: counter))
    }

    /// Ends a reservation: its attempt ended, and its real cost, if any, is in the ledger by now.
    /// Releasing one already released does nothing.
    ///
    /// - Returns: The files to take again, oldest first: for each folder budget over the released
    ///   file, the one set aside longest; or all of them once nothing of that folder is in
    ///   flight, since no release is left to wake them and each must find out for itself whether
    ///   the budget is spent.
    package mutating func release(_ id: ID) -> [SettledSource] {
        guard let entry = entries.removeValue(forKey: id.value) else { return [] }
        epoch += 1
        var woken: [Parked] = []
        for folder in Set(parked.values.map(\.folder)) where Self.folder(folder, holds: entry.path) {
            let waiting = parked.values.filter { $0.folder == folder }
            if entries.values.contains(where: { Self.folder(folder, holds: $0.path) }) {
                if let oldest = waiting.min(by: { $0.order < $1.order }) { woken.append(oldest) }
            } else {
                woken += waiting
            }
        }
        for item in woken { parked[item.source.queueKey] = nil }
        return woken.sorted { $0.order < $1.order }.map(\.source)
    }

    /// Whether `path` is in `folder` or below it (as the ledger tells a folder's spend).
    private static func folder(_ folder: String, holds path: String) -> Bool {
        path.hasPrefix(folder + "/")
    }
}
