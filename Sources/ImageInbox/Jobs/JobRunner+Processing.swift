import Foundation
import Inotify
import Logging
import ServiceLifecycle

extension JobRunner {
    /// Runs one source through to its results, its error file, or back into the queue.
    func process(_ source: SettledSource) async -> Outcome {
        var source = source
        var logger = self.logger
        logger[metadataKey: "file.path"] = "\(source.path)"
        if let limit = configuration.maximumUSDPerDay {
            do {
                let spent = try await ledger.cost(since: LocalDay.start(of: now()))
                if spent >= limit {
                    await pauseQueue(reason: String(format: "daily budget of $%.2f reached ($%.2f spent today)", limit, spent), cause: .budget, for: durationUntilTomorrow())
                    return .paused
                }
            } catch {
                // A budget that cannot be checked is not spent past: nothing is sent until it can be.
                logger.error("Ledger lookup of today's spend failed, the queue waits a minute", metadata: ["error": "\(error)"])
                await pauseQueue(reason: "today's spend could not be read from the ledger", cause: .ledger, for: .seconds(60))
                return .paused
            }
        }
        if let away = availability.awayFolder(of: source.path, in: source.inbox) {
            logger.info("Folder unavailable, job held until it is back", metadata: ["folder": "\(away)"])
            return .finished
        }
        if let paused = await pauseWhileTooMuchIsHeld() { return paused }
        if await waitsForFolderRules(source, logger: logger) { return .finished }
        if source.folder == nil {
            let folder = SourceName(path: source.path).directory
            source.folder = await FileSystem.offloaded { FileSystem.identity(of: folder) }
        }
        if await waitsForFolderBudget(source, logger: logger) { return .finished }
        // What intake read serves while the file is unchanged; else it is read again, as it may
        // have changed or gone while it waited.
        let bytes: [UInt8]
        let kept = source.content?.bytes != nil && FileSystem.identity(of: source.path) == source.identity ? source.content : nil
        let contents: Result<[UInt8], SyscallError>
        if let keptBytes = kept?.bytes {
            contents = .success(keptBytes)
        } else {
            let path = source.path
            contents = await FileSystem.offloaded { FileSystem.readRegularFile(path, limit: PromptDocument.maximumFileSize) }
        }
        switch contents {
        case .success(let read): bytes = read
        case .failure(let error) where error.code == ENOENT:
            // Gone with its share: it is back when the share is.
            if let away = availability.awayFolder(of: source.path, in: source.inbox) {
                logger.info("Folder unavailable, job held until it is back", metadata: ["folder": "\(away)"])
                return .finished
            }
            logger.info("Source was removed before its job ran, job cancelled")
            await recording("the cancelled job", consequence: "image-inbox status counts it as queued until the next start", logger: logger) {
                try await ledger.cancelQueuedJobs(sourcePath: source.path, now: now())
            }
            return .finished
        case .failure(let error):
            let message =
                error.code == EFBIG
                ? "The file is larger than a prompt file can be (\(PromptDocument.maximumFileSize / 1024) KB). Shorten it."
                : FileSystem.refusal(of: "The file", error.code)
            let problem = ImageInboxError(code: .invalidSource, message: message)
            await fail(source, hash: "unreadable:\(source.identity.modificationNanoseconds)", problem: problem, logger: logger)
            return .finished
        }
        if EditBundle.isInstruction(source.path) {
            return await processEdit(source, instruction: bytes, logger: logger)
        }
        if BatchDocument.isBatch(source.path) {
            return await processBatch(source, bytes: bytes, logger: logger)
        }
        let hash = kept?.hash ?? ContentHash.of(bytes)
        let request: GenerationRequest
        do throws(ImageInboxError) {
            let document = try PromptDocument(data: Data(bytes))
            request = try generationRequest(prompt: document.prompt, parameters: document.parameters, preset: document.preset, in: source)
        } catch {
            // A file already reported with this content is not reported again (a restart rescans it).
            guard await !isFinished(source, hash: hash, logger: logger) else { return .finished }
            await fail(source, hash: hash, problem: error, logger: logger)
            return .finished
        }
        return await run(.generation(request), for: source, hash: hash, logger: logger)
    }

    /// The checked request for a prompt of `source`'s (a file's, or a batch entry's): its own
    /// parameters over the preset it names, its folder's style and the configuration's
    /// defaults, the prompt put into the folder's template.
    func generationRequest(prompt: String, parameters: ImageParameters, preset: String?, in source: SettledSource) throws(ImageInboxError) -> GenerationRequest {
        let style = try folderDefaults.style(for: SourceName(path: source.path).directory, inbox: source.inbox)
        let (layered, templated) = try style.resolve(frontMatter: parameters, preset: preset, prompt: prompt, over: configuration.defaults)
        guard templated.count <= PromptDocument.maximumPromptLength else {
            throw ImageInboxError(
                code: .invalidSource,
                message: "The prompt in the folder's prompt_template has \(templated.count) characters; the limit is \(PromptDocument.maximumPromptLength). Shorten it."
            )
        }
        var resolved = try configuration.profile.resolve(layered)
        resolved.preset = preset
        try checkModel(resolved.model)
        return GenerationRequest(prompt: templated, parameters: resolved)
    }

    /// Whether the ledger already finished this content (a lookup failure counts as finished for now).
    func isFinished(_ source: SettledSource, hash: String, logger: Logger) async -> Bool {
        do {
            if try await ledger.finishedJob(sourcePath: source.path, contentHash: hash) != nil {
                logger.debug("Source already finished with this content, nothing to do")
                return true
            }
            return false
        } catch {
            logger.error("Ledger lookup failed, the file waits for the next scan", metadata: ["error": "\(error)"])
            return true
        }
    }

    /// One attempt at a job, within its reservation (``run(_:for:hash:logger:)``): records it,
    /// asks the API (retrying what can pass), and stores the results.
    func runAttempt(_ work: JobWork, for source: SettledSource, hash: String, logger: Logger) async -> Outcome {
        var logger = logger
        let encodedParameters = (try? JSONEncoder().encode(work.parameters)).map { String(decoding: $0, as: UTF8.self) }
        var job: JobRecord
        do {
            // One transaction: a content already finished is not sent again.
            guard
                let started = try await ledger.beginJob(
                    sourcePath: source.path, inbox: source.inbox, contentHash: hash, kind: work.kind, parameters: encodedParameters, now: now()
                )
            else {
                logger.debug("Source already finished with this content, nothing to do")
                return .finished
            }
            job = started
        } catch {
            // Nothing is sent without a claim: the queue waits for the ledger.
            logger.error("Ledger write failed, the job waits for the ledger", metadata: ["error": "\(error)"])
            await pauseQueue(reason: "the job ledger can't be written (\(error)); no job starts until it can", cause: .ledger, for: .seconds(30))
            return .paused
        }
        logger[metadataKey: "job.id"] = "\(job.id)"
        logger[metadataKey: "job.model"] = "\(work.parameters.model)"
        let stem = work.resultStem(for: source, created: job.createdAt)
        if stem != work.fullResultStem(for: source, created: job.createdAt) {
            logger.notice("Result name shortened to fit the file system's limit of \(SourceName.nameLimit) bytes", metadata: ["job.stem": "\(SourceName(path: stem).fileName)"])
        }

        // A job that ran before may have written its results just before the daemon was killed,
        // or some of them before it failed (then someone asked for it again).
        var delivered: [String] = []
        if job.attempts > 1 {
            let found = OutputRecovery.results(
                of: job.id, stem: stem, fileExtension: work.parameters.format.fileExtension, anyNameSince: work.hasOutputName ? job.createdAt : nil
            )
            if found.count >= work.parameters.count {
                logger.notice("Results of an interrupted job found on disk, not requested again", metadata: ["job.outputs": "\(found.count)"])
                await recording("the recovered job", consequence: "its results are found in the folder again at the next start", logger: logger) {
                    try await ledger.recordSuccess(job, outputs: found, usage: APIUsage(), now: now())
                }
                await removeNotes(for: source.path)
                return .finished
            }
            if !found.isEmpty {
                logger.notice("Results of an earlier run found on disk, only the rest is asked for", metadata: ["job.outputs": "\(found.count)"])
                delivered = found
            }
        }

        logger.info("Job started", metadata: ["job.count": "\(work.parameters.count)", "job.attempt": "\(job.attempts)"])
        // Partial images, where the provider streams them, become NAME.preview.png until the job ends.
        let previews = work.parameters.partialImages.map { _ in
            PreviewFiles(
                stem: stem, fileExtension: work.parameters.format.fileExtension, numbered: work.parameters.count > 1, jobID: job.id,
                ownership: output(logger), logger: logger
            )
        }
        defer { previews?.removeAll() }
        var images: [[UInt8]] = []
        var usage = APIUsage()
        var requestID: String?
        var unusableUSD = 0.0
        var remaining = work.parameters.count - delivered.count
        // Answers paid for before the last stop are downloaded, not asked for again.
        for pending in job.pendingDownloadList where remaining > 0 {
            logger.notice("Downloading the results of an answer paid for before the last stop", metadata: ["api.request_id": "\(pending.requestID ?? "")"])
            do {
                let result = try await generator.download(pending)
                images += result.images
                usage = usage + result.usage
                requestID = result.requestID ?? requestID
                remaining -= result.images.count
            } catch let error as ImageInboxError {
                await fail(source, hash: hash, problem: error, job: job, work: work, logger: logger)
                return .finished
            } catch {
                return await leaveQueued(job, logger: logger)
            }
        }
        while remaining > 0 {
            let perRequest = configuration.profile.maximumImages(model: work.parameters.model, edit: work.kind == "edit")
            let count = min(remaining, perRequest)
            let made = images.count
            let sink: PreviewSink? = previews.map { files in { @Sendable output, image in files.write(image, for: made + output) } }
            switch await send(work.asking(for: count), job: &job, source: source, unusableUSD: &unusableUSD, previews: sink, logger: logger) {
            case .answered(let result):
                images += result.images
                usage = usage + result.usage
                requestID = result.requestID ?? requestID
                remaining -= count
            case .pause(let reason, let cause, let duration, let failing):
                // A refused key or no credit is the account's, not this job's failure.
                if !failing { job.failingSince = nil }
                await recording("that the job waits again", consequence: "it waits all the same and shows as running in image-inbox status", logger: logger) {
                    try await ledger.requeue(job, now: now())
                }
                await pauseQueue(reason: reason, cause: cause, for: duration)
                return .paused
            case .interrupted:
                return await leaveQueued(job, logger: logger)
            case .failed(let error) where !images.isEmpty:
                // A count split into several requests: the images already made were paid for, so
                // they are delivered, and the note says what is missing.
                let answer = Answer(images: images, usage: usage, requestID: requestID, unusableUSD: unusableUSD, delivered: delivered)
                return await store(answer, work: work, source: source, job: job, shortfall: error, logger: logger)
            case .failed(let error):
                await fail(source, hash: hash, problem: error, job: job, work: work, logger: logger)
                return .finished
            }
        }
        let answer = Answer(images: images, usage: usage, requestID: requestID, unusableUSD: unusableUSD, delivered: delivered)
        return await store(answer, work: work, source: source, job: job, logger: logger)
    }

    /// Embeds the metadata and writes the results, retrying a write that can succeed later
    /// (disk full, read-only folder) without asking the API again.
    ///
    /// - Parameter shortfall: Why the rest of the images asked for were not made, when only some were.
    private func store(_ answer: Answer, work: JobWork, source: SettledSource, job: JobRecord, shortfall: ImageInboxError? = nil, logger: Logger) async -> Outcome {
        let (images, usage) = (answer.images, answer.usage)
        let estimate = configuration.prices.estimate(usage, model: work.parameters.model, creditUSD: configuration.creditUSD)
        let embedded: [[UInt8]]
        do {
            let metadata = metadata(
                for: work, source: source, job: job, usd: (usage.usdSpent ?? estimate).map { $0 + answer.unusableUSD },
                costBasis: usage.usdSpent == nil ? costBasis(of: usage, model: work.parameters.model) : nil
            )
            embedded = try images.map { image throws(ImageInboxError) in try metadata.embed(into: image) }
        } catch {
            await fail(source, hash: job.contentHash, problem: error.billing(usage), job: job, work: work, logger: logger)
            return .finished
        }
        let format = ImageFormat(sniffing: embedded[0]) ?? work.parameters.format
        // An unmounted share leaves its mount point a plain, writable folder: a result written
        // there would vanish under the share when it is back.
        if availability.awayFolder(of: source.path, in: source.inbox) != nil,
            await hold(embedded, fileExtension: format.fileExtension, work: work, source: source, job: job, answer: answer, estimate: estimate, logger: logger)
        {
            return .finished
        }
        var attempt = 1
        while true {
            let stem = work.resultStem(for: source, created: job.createdAt)
            let ownership = output(logger)
            // Results beside their source go into the folder the job started in, or are held.
            let folder = SourceName(path: stem).directory == SourceName(path: source.path).directory ? source.folder : nil
            let written = await FileSystem.offloaded {
                Result { () throws(ImageInboxError) in
                    try ResultWriter.write(
                        embedded, stem: stem, fileExtension: format.fileExtension, numbered: embedded.count > 1, ownership: ownership, folder: folder
                    )
                }
            }
            do {
                let outputs = answer.delivered + (try written.get())
                if let shortfall {
                    await reportShortfall(shortfall, outputs: outputs, usage: usage, work: work, source: source, job: job, logger: logger)
                    return .finished
                }
                await recording(
                    "the finished job",
                    consequence: "its results are in the folder, and the next start finds them there instead of paying for them again",
                    logger: logger
                ) {
                    try await ledger.recordSuccess(job, outputs: outputs, usage: usage, estimatedUSD: estimate, requestID: answer.requestID, now: now())
                }
                await removeNotes(for: source.path)
                logger.info(
                    "Job done",
                    metadata: [
                        "job.outputs": "\(outputs.map { SourceName(path: $0).fileName }.joined(separator: ", "))",
                        // Six significant digits: the ledger keeps the exact figure; people read 0.16384.
                        "job.usd": "\((usage.usdSpent ?? estimate).map { String(format: "%.6g", $0) } ?? "unknown")",
                    ]
                )
                return .finished
            } catch {
                if heldResults != nil, ResultWriter.isFolderReplaced(error) || availability.awayFolder(of: source.path, in: source.inbox) != nil,
                    await hold(embedded, fileExtension: format.fileExtension, work: work, source: source, job: job, answer: answer, estimate: estimate, logger: logger)
                {
                    return .finished
                }
                let folderGone = !FileSystem.exists(SourceName(path: source.path).directory)
                guard !folderGone, attempt < Self.writeAttempts else {
                    await fail(source, hash: job.contentHash, problem: error.billing(usage), job: job, work: work, logger: logger)
                    return .finished
                }
                let delay = configuration.retry.backoff(attempt: attempt, jitter: 1)
                logger.warning("Writing the result failed, will retry", metadata: ["error": "\(error.message)", "retry.in_s": "\(delay.components.seconds)"])
                guard await sleepUnlessStopping(delay) else {
                    await fail(source, hash: job.contentHash, problem: error.billing(usage), job: job, work: work, logger: logger)
                    return .finished
                }
                attempt += 1
            }
        }
    }

    /// Records a job that made only some of its images as failed, with the ones it made as its
    /// outputs and their cost, and says in the folder which were made and why the rest were not.
    private func reportShortfall(
        _ shortfall: ImageInboxError,
        outputs: [String],
        usage: APIUsage,
        work: JobWork,
        source: SettledSource,
        job: JobRecord,
        logger: Logger
    ) async {
        var partial = job
        partial.outputs = (try? JSONEncoder().encode(outputs)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        let names = outputs.map { SourceName(path: $0).fileName }.joined(separator: ", ")
        var problem = ImageInboxError(
            code: shortfall.code,
            message: "Only \(outputs.count) of the \(work.parameters.count) images asked for were made (\(names)); the rest could not be: \(shortfall.message)"
        )
        problem.requestID = shortfall.requestID
        problem.billed = (shortfall.billed ?? APIUsage()) + usage
        await fail(source, hash: job.contentHash, problem: problem, job: partial, work: work, logger: logger)
    }

    /// Leaves a job queued for the next start: the daemon is stopping. No retries: the next
    /// start requeues a job left running all the same.
    private func leaveQueued(_ job: JobRecord, logger: Logger) async -> Outcome {
        logger.notice("Daemon stopping, job left queued for the next start")
        do {
            try await ledger.requeue(job, now: now())
        } catch {
            logger.error("Ledger write failed, the job stays marked running; the next start queues it again", metadata: ["error": "\(error)"])
        }
        return .interrupted
    }

    /// Sleeps, unless the daemon starts stopping first.
    ///
    /// - Returns: false when woken by shutdown.
    func sleepUnlessStopping(_ duration: Duration) async -> Bool {
        do {
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
            return true
        } catch {
            return false
        }
    }

    func durationUntilTomorrow() -> Duration {
        .seconds(max(60, LocalDay.end(of: now()).timeIntervalSince(now())))
    }
}

extension ImageInboxError {
    /// A request given up because the daemon is stopping.
    static let interruptedByShutdown = ImageInboxError(code: .interrupted, message: "The daemon is stopping.")
}
