import Foundation
import Logging
import ServiceLifecycle
import Synchronization

extension JobRunner {
    /// What the API answered for a job: its images and what they cost.
    struct Answer {
        var images: [[UInt8]]
        var usage: APIUsage
        /// The provider's id of the request that made the images.
        var requestID: String?
        /// The estimated cost of earlier answers that were billed but could not be read.
        var unusableUSD: Double
        /// Results an earlier run of the job already wrote (some of a count; the rest was asked for).
        var delivered: [String] = []
    }

    /// How one request's tries ended.
    enum RequestOutcome {
        case answered(GenerationResult)
        /// Failed for good.
        case failed(ImageInboxError)
        /// The whole queue must wait: the account was refused, or the API asked every request to
        /// wait (then the job's failures go on counting towards its horizon).
        case pause(reason: String, cause: PauseCause, for: Duration, failing: Bool)
        /// The daemon is stopping.
        case interrupted
    }

    /// How often a result write that can succeed later (disk full, read-only folder) is tried.
    static let writeAttempts = 10

    /// Sends one request, retrying what can pass for the retry policy's horizon. While it
    /// waits, the job is marked retrying in the ledger, and after the policy's notice time
    /// its folder gets a `NAME.waiting.txt` saying why the image is late.
    ///
    /// - Parameters:
    ///   - job: Its `failingSince` is set at the first failure (and kept from an earlier run).
    ///   - unusableUSD: Grows by the estimated cost of each billed answer that could not be read
    ///     (recorded in the ledger as it happens; this is for the results' metadata).
    func send(
        _ work: JobWork,
        job: inout JobRecord,
        source: SettledSource,
        unusableUSD: inout Double,
        previews: PreviewSink? = nil,
        logger: Logger
    ) async -> RequestOutcome {
        var attempt = 1
        while true {
            let error: ImageInboxError
            // Only the wait for room ends with shutdown: a request let through is answered.
            guard let ticket = await cancelWhenGracefulShutdown({ await self.gate.enter() }) else { return .interrupted }
            RequestCount.current?.add()
            do {
                let jobID = job.id
                let recorder: PendingDownload.Recorder = { pending in
                    await self.recording("the answer before its download", consequence: "a stop during the download pays for the image again", logger: logger) {
                        try await self.ledger.recordPendingDownload(jobID: jobID, pending, now: self.now())
                    }
                }
                let result = try await work.send(to: generator, previews: previews, beforeDownload: recorder)
                await gate.leave(ticket, .succeeded(holdFor: result.rateLimitWait))
                // An answer ends the run of failures: the next one starts the horizon again.
                job.failingSince = nil
                return .answered(result)
            } catch let caught as ImageInboxError {
                await gate.leave(ticket, caught.code == .rateLimited ? .rateLimited(holdFor: caught.retryAfter) : .other)
                error = caught
            } catch is CancellationError {
                await gate.leave(ticket, .other)
                return .interrupted
            } catch {
                await gate.leave(ticket, .other)
                return .failed(ImageInboxError(code: .invalidResponse, message: "The request failed: \(error).", cause: error))
            }
            if error.code == .interrupted { return .interrupted }
            if error.pausesQueue {
                return .pause(reason: error.message, cause: error.code == .authenticationFailed ? .auth : .billing, for: configuration.pauseProbeInterval, failing: false)
            }
            let policy = configuration.retry
            let since = job.failingSince ?? now()
            let decision = policy.decision(after: error, attempt: attempt, failingFor: .seconds(now().timeIntervalSince(since)), jitter: .random(in: 0..<1))
            if decision != .giveUp, error.code == .invalidResponse, let billed = error.billed {
                // Tried again, so this answer's cost is not the final error's: counted at once.
                let usd = cost(of: billed, work: work)
                unusableUSD += usd
                let jobID = job.id
                await recording("what an unusable answer cost", consequence: "today's spend in the ledger is short by it", logger: logger) {
                    try await ledger.addCost(jobID: jobID, usd: usd, now: now())
                }
            }
            switch decision {
            case .giveUp:
                return .failed(error)
            case .pauseQueue(let duration):
                job.failingSince = since
                await noteRetry(job, error: error, nextAttempt: now().addingTimeInterval(duration.seconds), attempt: attempt, source: source, logger: logger)
                let minutes = max(1, Int((duration.seconds / 60).rounded(.up)))
                return .pause(reason: "the images API asked to wait \(minutes) min before the next request (\(error.message))", cause: .rateLimit, for: duration, failing: true)
            case .retry(let delay):
                job.failingSince = since
                await noteRetry(job, error: error, nextAttempt: now().addingTimeInterval(delay.seconds), attempt: attempt, source: source, logger: logger)
                logger.warning(
                    "Request failed, will retry",
                    metadata: [
                        "error.code": "\(error.code)", "error": "\(error.message)", "retry.in_s": "\(String(format: "%.1f", delay.seconds))",
                        "retry.attempt": "\(attempt)", "retry.failing_s": "\(Int(now().timeIntervalSince(since)))",
                        "api.request_id": "\(error.requestID ?? "")",
                    ]
                )
                retrying.withLock { $0 += 1 }
                await queue.rest(true)
                let slept = await sleepUnlessStopping(delay)
                retrying.withLock { $0 -= 1 }
                await queue.rest(false)
                guard slept else { return .interrupted }
                attempt += 1
            }
        }
    }

    /// The cost of a billed answer: as reported, else estimated from its usage, else from the
    /// price of the images asked for.
    func cost(of billed: APIUsage, work: JobWork) -> Double {
        let parameters = work.parameters
        return billed.usdSpent ?? configuration.prices.estimate(billed, model: parameters.model, creditUSD: configuration.creditUSD)
            ?? configuration.prices.estimateUnreported(model: parameters.model, size: parameters.size, quality: parameters.quality, count: work.imageCount)
            ?? 0
    }

    /// Records that a job waits to be tried again, and tells its folder once it has been
    /// failing for the policy's notice time.
    private func noteRetry(_ job: JobRecord, error: ImageInboxError, nextAttempt: Date, attempt: Int, source: SettledSource, logger: Logger) async {
        let since = job.failingSince ?? now()
        await recording("that the job waits to be tried again", consequence: "image-inbox status does not count it as retrying", logger: logger) {
            try await ledger.recordRetry(job, error: error, failingSince: since, nextAttempt: nextAttempt, now: now())
        }
        guard now().timeIntervalSince(since) >= configuration.retry.noticeAfter.seconds else { return }
        let note = WaitingNote(sourcePath: source.path, error: error, failingSince: since, nextAttempt: nextAttempt, attempts: attempt, jobID: job.id)
        let (key, ownership) = (configuration.apiKey, output(logger))
        let written = await FileSystem.offloaded { Result { () throws(ImageInboxError) in try note.write(redacting: key, ownership: ownership) } }
        if case .failure(let problem) = written {
            logger.warning("The note saying the image is late could not be written", metadata: ["error": "\(problem.message)"])
        }
    }
}

extension Duration {
    /// The duration in seconds, with its fraction.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
