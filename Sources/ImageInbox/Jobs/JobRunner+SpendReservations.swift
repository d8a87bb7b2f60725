import Foundation
import Logging
import Synchronization

extension JobRunner {
    /// Whether a job may start: its estimate reserved, or how its turn ends instead.
    private enum SpendCheck {
        case reserved(SpendReservations.ID)
        case waits(Outcome)
    }

    /// How a queue held for requests in flight says so: its pause reason ends with it.
    static let inFlightHoldSuffix = "reserved by requests in flight)"

    /// Runs a job within its budgets (``SpendReservations``): before anything is sent, its
    /// estimated cost is reserved against the daily budget and every folder budget over its file,
    /// and once the attempt ends, however it ends, the reservation is released (its real cost is
    /// in the ledger by then). A job that does not fit waits: for tomorrow once a budget is spent,
    /// else for a request in flight to end; one estimated at more than a whole budget fails with a
    /// note. Retries happen within the attempt, under one reservation.
    func run(_ work: JobWork, for source: SettledSource, hash: String, logger: Logger) async -> Outcome {
        let reservation: SpendReservations.ID
        switch await reserveSpend(for: work, source: source, hash: hash, logger: logger) {
        case .reserved(let id): reservation = id
        case .waits(let outcome): return outcome
        }
        // Whatever way out a change to the attempt adds, nothing stays reserved (a release is
        // idempotent); the release below comes first so that a queue held for it is lifted.
        defer { releaseSpend(reservation) }
        let outcome = await runAttempt(work, for: source, hash: hash, logger: logger)
        releaseSpend(reservation)
        await liftSpendHold()
        return outcome
    }

    /// What a job is estimated to cost before it is sent: every image it asks for, at the size and
    /// quality asked for (nothing for offline placeholders).
    func estimatedCost(of work: JobWork) -> Double {
        guard !configuration.placeholders else { return 0 }
        let (parameters, prices) = (work.parameters, configuration.prices)
        let estimate = { (model: String) in
            prices.estimateUnreported(model: model, size: parameters.size, quality: parameters.quality, count: parameters.count)
        }
        if let usd = estimate(parameters.model) { return usd }
        // Should the price table have no estimate for the model, it is priced as the dearest model
        // of the catalogue: a budget errs early, not late.
        return prices.catalogue.models.compactMap { estimate($0.id) }.max() ?? 0
    }

    /// Reserves the job's estimate if it fits (see ``SpendReservations/reserve(_:for:against:readAt:)``),
    /// or sets the job waiting: the queue paused until midnight for a spent daily budget, held
    /// until a request ends while requests in flight take the room; the file set aside until
    /// midnight for a spent folder budget (with the folder's note), or until a request of that
    /// folder ends. A job estimated at more than a whole budget fails, with a note saying so:
    /// waiting, it would hold the queue every day.
    private func reserveSpend(for work: JobWork, source: SettledSource, hash: String, logger: Logger) async -> SpendCheck {
        let usd = estimatedCost(of: work)
        let limit = configuration.maximumUSDPerDay
        // A folder defaults file that cannot be read was waited for before the job got here.
        let folders = (try? folderDefaults.style(for: SourceName(path: source.path).directory, inbox: source.inbox))?.budgets ?? []
        while true {
            let epoch = spendReservations.withLock { $0.epoch }
            let startOfDay = LocalDay.start(of: now())
            var budgets: [SpendReservations.Budget] = []
            if let limit {
                do {
                    let spent = try await ledger.cost(since: startOfDay)
                    budgets.append(SpendReservations.Budget(limit: limit, spent: spent))
                } catch {
                    // A budget that cannot be checked is not spent past: nothing is sent until it can be.
                    logger.error("Ledger lookup of today's spend failed, the queue waits a minute", metadata: ["error": "\(error)"])
                    await pauseQueue(reason: "today's spend could not be read from the ledger", cause: .ledger, for: .seconds(60))
                    return .waits(.paused)
                }
            }
            for budget in folders {
                do {
                    let spent = try await ledger.cost(since: startOfDay, inFolder: budget.folder)
                    budgets.append(SpendReservations.Budget(folder: budget.folder, limit: budget.usd, spent: spent))
                } catch {
                    logger.error("Ledger lookup of a folder's spend failed, the file waits a minute", metadata: ["folder": "\(budget.folder)", "error": "\(error)"])
                    revisit(source, after: .seconds(60))
                    return .waits(.finished)
                }
            }
            let decision = spendReservations.withLock { $0.reserve(usd, for: source, against: budgets, readAt: epoch) }
            switch decision {
            case .stale:
                continue
            case .exceeds(let budget):
                let (estimated, whole) = (String(format: "$%.2f", usd), String(format: "$%.2f", budget.limit))
                let which = budget.folder.map { "the daily budget of \($0) (max_usd_per_day in \($0)/\(FolderDefaults.fileName))" } ?? "the daily budget (max_usd_per_day)"
                let problem = ImageInboxError(
                    code: .invalidParameter,
                    message: "The job is estimated at \(estimated), more than the whole of \(which), \(whole): it can never be made within it. "
                        + "Ask for fewer or smaller images or a lower quality, or raise max_usd_per_day."
                )
                await fail(source, hash: hash, problem: problem, kind: work.kind, logger: logger)
                return .waits(.finished)
            case .reserved(let id):
                removeBudgetNotes(of: folders)
                return .reserved(id)
            case .spent(let budget):
                guard let folder = budget.folder else {
                    let reason =
                        budget.spent >= budget.limit
                        ? String(format: "daily budget of $%.2f reached ($%.2f spent today)", budget.limit, budget.spent)
                        : String(format: "daily budget of $%.2f reached ($%.2f spent today, $%.2f estimated for the next job)", budget.limit, budget.spent, usd)
                    await pauseQueue(reason: reason, cause: .budget, for: durationUntilTomorrow())
                    return .waits(.paused)
                }
                waitForTomorrow(source, budget: FolderBudget(folder: folder, usd: budget.limit), spent: budget.spent, estimate: usd, logger: logger)
                return .waits(.finished)
            case .waitForRelease(let budget, let reserved):
                guard let folder = budget.folder else {
                    await holdQueue(for: budget, reserved: reserved, epoch: epoch, logger: logger)
                    return .waits(.paused)
                }
                logger.info(
                    "Folder budget taken by requests in flight, the file waits for one to end",
                    metadata: [
                        "folder": "\(folder)", "budget.usd": "\(budget.limit)", "budget.spent_usd": "\(budget.spent)",
                        "budget.reserved_usd": "\(reserved)", "job.estimated_usd": "\(usd)",
                    ]
                )
                return .waits(.finished)
            }
        }
    }

    /// Holds the queue while the requests in flight take the daily budget's room: lifted when one
    /// of them ends (``liftSpendHold()``), or, should none, probed after the probe interval.
    ///
    /// - Parameter epoch: The reservations' epoch the decision was made at.
    private func holdQueue(for budget: SpendReservations.Budget, reserved: Double, epoch: Int, logger: Logger) async {
        let reason = String(format: "daily budget of $%.2f reached ($%.2f spent today, $%.2f ", budget.limit, budget.spent, reserved) + Self.inFlightHoldSuffix
        // Not published to the ledger: it lasts a request, and in a shared ledger every host
        // would take it up, though the requests in flight are this host's.
        setPauseCause(.budget)
        await queue.pause(reason: reason, until: .now + min(configuration.pauseProbeInterval, durationUntilTomorrow()))
        logger.info("Daily budget taken by requests in flight, new jobs wait for one to end", metadata: ["pause.reason": "\(reason)"])
        // A request that ended between the decision and the hold found nothing to lift.
        if spendReservations.withLock({ $0.epoch }) != epoch { await liftSpendHold() }
    }

    /// Releases a job's reservation (again: nothing), and takes again the files set aside for a
    /// folder budget that it may have made room in.
    func releaseSpend(_ reservation: SpendReservations.ID) {
        let woken = spendReservations.withLock { $0.release(reservation) }
        // Through the revisit alarm, at once: a release may run where nothing can be awaited.
        for source in woken { revisit(source, after: .zero) }
    }

    /// Lifts a hold of the queue for requests in flight (one ended), and no other pause.
    func liftSpendHold() async {
        await queue.resume(ifReasonEndsWith: Self.inFlightHoldSuffix)
    }
}
