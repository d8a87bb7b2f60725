import Foundation
import Logging

extension JobRunner {
    /// Runs a batch file that settled, or one of its entries.
    ///
    /// The file itself: every entry is read and checked before any request, the bad ones are
    /// recorded as failed and listed in `NAME.error.txt`, and each good one that is not finished
    /// with this content is queued as a job of its own. An entry: made like a prompt, its results
    /// named `NAME-007.png` (or by its row's `name`).
    func processBatch(_ source: SettledSource, bytes: [UInt8], logger: Logger) async -> Outcome {
        let document: BatchDocument
        do throws(ImageInboxError) {
            guard let read = try BatchDocument.read(Data(bytes), path: source.path) else {
                logger.debug("CSV without a prompt column: not a batch file")
                return .finished
            }
            let limit = configuration.maximumBatchEntries
            guard read.entries.count <= limit else {
                throw ImageInboxError(
                    code: .invalidSource,
                    message: "The file has \(read.entries.count) entries; a batch file holds at most \(limit) (max_batch_entries). "
                        + "Nothing was sent. Split it into files of \(limit) or fewer."
                )
            }
            guard !read.entries.isEmpty else {
                throw ImageInboxError(code: .invalidSource, message: "The file holds no prompts. Write one prompt per line, or a CSV row per image.")
            }
            document = read
        } catch {
            let hash = "batch:" + ContentHash.of(bytes)
            guard await !isFinished(source, hash: hash, logger: logger) else { return .finished }
            var whole = source
            whole.entry = nil
            await fail(whole, hash: hash, problem: error, logger: logger)
            return .finished
        }
        if let index = source.entry {
            return await processEntry(index, of: document, source: source, logger: logger)
        }
        // One lookup for the whole file, not one per entry.
        let finished: Set<String>
        do {
            finished = try await ledger.finishedContentHashes(sourcePath: source.path)
        } catch {
            logger.error("Ledger lookup failed, the file waits for the next scan", metadata: ["error": "\(error)"])
            return .finished
        }
        // Each entry's job reads the file as read here while it is unchanged, as a prompt's does.
        let content = SettledSource.Content(bytes: bytes.count <= Self.keptContentSize ? bytes : nil, hash: ContentHash.of(bytes))
        var queued: [SettledSource] = []
        for entry in document.entries where !finished.contains(entry.contentHash) {
            if case .failure(let problem) = request(for: entry, source: source) {
                await recording("the failed entry", consequence: "it is checked again at the next start", logger: logger) {
                    _ = try await ledger.recordFailure(
                        sourcePath: source.path, inbox: source.inbox, contentHash: entry.contentHash, kind: "generation", error: problem, now: now()
                    )
                }
                continue
            }
            var job = source
            job.entry = entry.index
            job.content = content
            queued.append(job)
        }
        logger.info("Batch file read", metadata: ["batch.entries": "\(document.entries.count)", "batch.queued": "\(queued.count)"])
        await refreshBatchNote(source.path)
        await queue.enqueue(contentsOf: queued)
        return .finished
    }

    private func processEntry(_ index: Int, of document: BatchDocument, source: SettledSource, logger: Logger) async -> Outcome {
        var logger = logger
        logger[metadataKey: "batch.entry"] = "\(index)"
        // Gone since it was queued: the file changed, and its new content is read again as a whole.
        guard let entry = document.entries.first(where: { $0.index == index }),
            await !isFinished(source, hash: entry.contentHash, logger: logger)
        else { return .finished }
        switch request(for: entry, source: source) {
        case .failure(let problem):
            await fail(source, hash: entry.contentHash, problem: problem, logger: logger)
            return .finished
        case .success(let request):
            let name = entry.name.flatMap { try? OutputName($0) }
            return await run(.generation(request, entry: BatchEntryName(index: index, name: name)), for: source, hash: entry.contentHash, logger: logger)
        }
    }

    /// The request for an entry, checked as a prompt's is, or why it cannot be sent.
    private func request(for entry: BatchDocument.Entry, source: SettledSource) -> Result<GenerationRequest, ImageInboxError> {
        Result { () throws(ImageInboxError) in
            if let problem = entry.problem { throw problem }
            return try generationRequest(prompt: entry.prompt, parameters: entry.parameters, preset: entry.preset, in: source)
        }
    }

    /// Writes the batch file's `NAME.error.txt` anew from the ledger: one line per entry of its
    /// current content whose job failed, naming the entry, its line and why; the note goes once
    /// none has failed.
    func refreshBatchNote(_ path: String) async {
        await batchNotes.refresh(path) { [self] in
            guard case .success(let bytes) = await FileSystem.offloaded({ FileSystem.readRegularFile(path, limit: PromptDocument.maximumFileSize) }),
                let document = try? BatchDocument.read(Data(bytes), path: path)
            else { return }
            let failed: [JobRecord]
            do {
                failed = try await ledger.failedJobs(sourcePath: path)
            } catch {
                logger.error("Ledger lookup of a batch file's failures failed, its error note is not updated", metadata: ["file.path": "\(path)", "error": "\(error)"])
                return
            }
            let byKey = Dictionary(failed.map { ($0.contentHash, $0) }, uniquingKeysWith: { first, _ in first })
            let failures = document.entries.compactMap { entry in byKey[entry.contentHash].map { (entry, $0) } }
            guard let first = failures.first else {
                removeErrorNote(of: path)
                return
            }
            let lines = failures.map { entry, job in "Entry \(entry.index) (line \(entry.line)): \(job.lastError ?? "failed")" }
            let problem = ImageInboxError(
                code: .invalidSource,
                message: "\(failures.count) of \(document.entries.count) entries could not be made; the others are made as usual.\n"
                    + lines.joined(separator: "\n")
            )
            do {
                try ErrorReport(sourcePath: path, error: problem, jobID: first.1.id, date: now()).write(redacting: configuration.apiKey, ownership: output(logger))
            } catch {
                logger.error("A batch file's error note could not be written", metadata: ["file.path": "\(path)", "error": "\(error)"])
            }
        }
    }
}
