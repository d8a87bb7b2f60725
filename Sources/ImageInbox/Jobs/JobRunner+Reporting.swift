import Foundation
import Logging
import Synchronization

extension JobRunner {
    /// The entries embedded in a job's results.
    ///
    /// - Parameter costBasis: How `usd` was worked out, when the provider did not report it.
    func metadata(for work: JobWork, source: SettledSource, job: JobRecord, usd: Double?, costBasis: String? = nil) -> ImageMetadata {
        var entries: [(key: String, value: String)] = [
            ("prompt", work.prompt),
            ("model", work.parameters.model),
            ("size", work.parameters.size ?? "default"),
            ("quality", work.parameters.quality ?? "default"),
            ("format", work.parameters.format.rawValue),
            ("created", Date.ISO8601FormatStyle().format(now())),
            ("source", String(source.path.dropFirst(source.inbox.count + 1))),
            ("job", job.id),
            ("generator", "image-inbox \(ImageInboxVersion.current)"),
        ]
        if case .edit(_, let bundle) = work {
            entries.append(("images", bundle.images.map { SourceName(path: $0).fileName }.joined(separator: ", ")))
            if let mask = bundle.mask { entries.append(("mask", SourceName(path: mask).fileName)) }
        }
        if let preset = work.parameters.preset { entries.append(("preset", preset)) }
        if let usd { entries.append(("cost_usd", String(usd))) }
        if usd != nil, let costBasis { entries.append(("cost_basis", costBasis)) }
        if work.resultStem(for: source, created: job.createdAt) != work.fullResultStem(for: source, created: job.createdAt) {
            entries.append(("note", "The result's name was shortened to fit the file system's limit of \(SourceName.nameLimit) bytes; `source` names the file it was made from."))
        }
        if configuration.placeholders { entries.append(("placeholder", "true: made offline by --dry-run, not by an images API")) }
        return ImageMetadata(entries)
    }

    /// How a cost the provider did not report in dollars was estimated, for the image's provenance.
    func costBasis(of usage: APIUsage, model: String) -> String {
        if usage.creditsUsed != nil, configuration.creditUSD != nil { return "estimate from the credits reported" }
        return configuration.prices.isPriced(model)
            ? "estimate from the tokens reported, at the model's prices"
            : "estimate from the tokens reported, at the catalogue's highest prices: \(model) is not in the model catalogue"
    }

    /// Removes the error note of `sourcePath`, if it is the daemon's, remembering that the
    /// daemon removed it: notes are named by stem (`cat.prompt` and `cat.csv` share
    /// `cat.error.txt`), and this removal must not read as someone's "try again".
    func removeErrorNote(of sourcePath: String) {
        let path = ErrorReport.path(for: sourcePath)
        guard ErrorReport.isOurs(path, marker: ErrorReport.marker) else { return }
        // Remembered before the removal, which the watcher may report at once.
        ownNoteRemovals.withLock { _ = $0.insert(path) }
        if !FileSystem.remove(path) { ownNoteRemovals.withLock { _ = $0.remove(path) } }
    }

    /// Removes the daemon's notes about `sourcePath` (its error and waiting notes): its job is
    /// done. A batch file's error note lists its other entries, so it is written anew instead.
    func removeNotes(for sourcePath: String) async {
        WaitingNote.remove(for: sourcePath)
        if BatchDocument.isBatch(sourcePath) {
            await refreshBatchNote(sourcePath)
        } else {
            removeErrorNote(of: sourcePath)
        }
    }

    /// Records a job as failed for good and reports it in the folder.
    ///
    /// - Parameter work: The job's work, for the price of what a failed request was billed.
    func fail(
        _ source: SettledSource,
        hash: String,
        problem: ImageInboxError,
        job: JobRecord? = nil,
        work: JobWork? = nil,
        kind: String = "generation",
        logger: Logger
    ) async {
        WaitingNote.remove(for: source.path)
        var logger = logger
        var record = job ?? JobRecord(sourcePath: source.path, inbox: source.inbox, contentHash: hash, kind: kind, state: .failed, now: now())
        do {
            if let job {
                let usd = problem.billed.map { billed in work.map { cost(of: billed, work: $0) } ?? billed.usdSpent ?? 0 }
                try await ledger.recordFailure(job, error: problem, billedUSD: usd, costIsEstimate: problem.billed?.usdSpent == nil, now: now())
            } else {
                record = try await ledger.recordFailure(
                    sourcePath: source.path, inbox: source.inbox, contentHash: hash, kind: kind, error: problem, now: now()
                )
            }
        } catch {
            logger.error("Ledger write failed, the failure is reported in the folder but not recorded; the file is tried again at the next start", metadata: ["error": "\(error)"])
        }
        logger[metadataKey: "job.id"] = "\(record.id)"
        let message = configuration.apiKey?.redact(problem.message) ?? problem.message
        if source.entry != nil {
            logger.warning("Batch entry failed, listed in the file's error note", metadata: ["error.code": "\(problem.code)", "error": "\(message)"])
            await refreshBatchNote(source.path)
            return
        }
        let report = ErrorReport(sourcePath: source.path, error: problem, jobID: record.id, date: now())
        do {
            let written = try report.write(redacting: configuration.apiKey, ownership: output(logger))
            logger.warning(
                written ? "Job failed, reported in the folder" : "Job failed; an error file of someone else's is in the way",
                metadata: ["error.code": "\(problem.code)", "error": "\(message)"]
            )
        } catch {
            logger.error("Job failed and the error file could not be written", metadata: ["error.code": "\(problem.code)", "error": "\(message)", "report.error": "\(error)"])
        }
    }
}
