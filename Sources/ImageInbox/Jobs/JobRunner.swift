package import Foundation
import Inotify
package import Logging
import ServiceLifecycle
import Synchronization

/// Turns settled `.prompt` files into images: reads and checks each one, asks the images API
/// (never for content the ledger already finished), writes the results next to the source, and
/// reports failures in the folder.
///
/// At most ``Configuration/concurrency`` jobs run at once. On graceful shutdown it stops taking
/// new files and lets the jobs in flight finish; files not yet taken are found again by the
/// next start's scan.
package final class JobRunner: Service {
    /// How jobs are run.
    package struct Configuration: Sendable {
        /// What the provider accepts (and its default model).
        package var profile: ProviderProfile
        /// Parameters for every job, under folder defaults and front matter.
        package var defaults: ImageParameters
        /// Jobs in flight at once.
        package var concurrency: Int
        /// Redacted from anything written to the share.
        package var apiKey: APIKey?
        /// Whether results are offline placeholders (marked so in their metadata).
        package var placeholders: Bool

        package init(profile: ProviderProfile, defaults: ImageParameters = ImageParameters(), concurrency: Int = 4, apiKey: APIKey? = nil, placeholders: Bool = false) {
            self.profile = profile
            self.defaults = defaults
            self.concurrency = max(1, concurrency)
            self.apiKey = apiKey
            self.placeholders = placeholders
        }
    }

    private struct Tracking {
        var inFlight: Set<String> = []
        var again: [String: SettledSource] = [:]
    }

    private let configuration: Configuration
    private let sources: AsyncStream<SettledSource>
    private let generator: any ImageGenerating
    private let ledger: Ledger
    private let logger: Logger
    private let tracking = Mutex(Tracking())
    private let now: @Sendable () -> Date

    package init(
        configuration: Configuration,
        sources: AsyncStream<SettledSource>,
        generator: some ImageGenerating,
        ledger: Ledger,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.sources = sources
        self.generator = generator
        self.ledger = ledger
        self.logger = logger
        self.now = now
    }

    package func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for await source in sources.cancelOnGracefulShutdown() {
                // A file that changes while its job runs is taken again when that job ends.
                let busy = tracking.withLock { state in
                    if state.inFlight.contains(source.path) {
                        state.again[source.path] = source
                        return true
                    }
                    state.inFlight.insert(source.path)
                    return false
                }
                if busy { continue }
                if running >= configuration.concurrency {
                    await group.next()
                    running -= 1
                }
                running += 1
                group.addTask { await self.processRepeatedly(source) }
            }
        }
    }

    private func processRepeatedly(_ first: SettledSource) async {
        var next: SettledSource? = first
        while let source = next {
            await process(source)
            next = tracking.withLock { state in
                if let again = state.again.removeValue(forKey: source.path) { return again }
                state.inFlight.remove(source.path)
                return nil
            }
        }
    }

    /// Runs one source through to its results or its error file.
    package func process(_ source: SettledSource) async {
        var logger = self.logger
        logger[metadataKey: "file.path"] = "\(source.path)"
        let bytes: [UInt8]
        switch FileSystem.readRegularFile(source.path, limit: PromptDocument.maximumFileSize) {
        case .success(let read): bytes = read
        case .failure(let error) where error.code == ENOENT:
            logger.debug("Source vanished before it was read")
            return
        case .failure(let error):
            let message =
                switch error.code {
                case EFBIG: "The file is larger than a prompt file can be (\(PromptDocument.maximumFileSize / 1024) KB). Shorten it."
                case ELOOP: "The file is a symbolic link; image-inbox never follows links. Copy the file into the folder instead."
                case EINVAL: "This is not a regular file (a pipe or device?). Drop a plain text file instead."
                default: "Can't read the file: \(FileSystem.describe(error.code)). Check its permissions."
                }
            let problem = ImageInboxError(code: .invalidSource, message: message)
            await fail(source, hash: "unreadable:\(source.identity.modificationNanoseconds)", problem: problem, logger: logger)
            return
        }
        let hash = ContentHash.of(bytes)
        do {
            if try await ledger.finishedJob(sourcePath: source.path, contentHash: hash) != nil {
                logger.debug("Source already finished with this content, nothing to do")
                return
            }
        } catch {
            logger.error("Ledger lookup failed, skipping the file for now", metadata: ["error": "\(error)"])
            return
        }

        let request: GenerationRequest
        do throws(ImageInboxError) {
            let document = try PromptDocument(data: Data(bytes))
            let folder = try FolderDefaults.parameters(for: SourceName(path: source.path).directory, inbox: source.inbox)
            let parameters = try configuration.profile.resolve(
                document.parameters.layered(over: folder).layered(over: configuration.defaults)
            )
            request = GenerationRequest(prompt: document.prompt, parameters: parameters)
        } catch {
            await fail(source, hash: hash, problem: error, logger: logger)
            return
        }
        await generate(request, for: source, hash: hash, logger: logger)
    }

    private func generate(_ request: GenerationRequest, for source: SettledSource, hash: String, logger: Logger) async {
        var logger = logger
        let encodedParameters = (try? JSONEncoder().encode(request.parameters)).map { String(decoding: $0, as: UTF8.self) }
        let job: JobRecord
        do {
            job = try await ledger.beginJob(sourcePath: source.path, contentHash: hash, kind: "generation", parameters: encodedParameters, now: now())
        } catch {
            logger.error("Ledger write failed, skipping the file for now", metadata: ["error": "\(error)"])
            return
        }
        logger[metadataKey: "job.id"] = "\(job.id)"
        logger[metadataKey: "job.model"] = "\(request.parameters.model)"
        logger.info("Job started", metadata: ["job.count": "\(request.parameters.count)", "job.attempt": "\(job.attempts)"])
        do {
            var images: [[UInt8]] = []
            var usage = APIUsage()
            var remaining = request.parameters.count
            while remaining > 0 {
                var part = request
                part.imageCount = min(remaining, configuration.profile.maximumImagesPerRequest)
                let result = try await generator.generate(part)
                images += result.images
                usage = usage + result.usage
                remaining -= part.imageCount
            }
            let metadata = metadata(for: request, source: source, job: job, usage: usage)
            var embedded: [[UInt8]] = []
            for image in images { embedded.append(try metadata.embed(into: image)) }
            let format = ImageFormat(sniffing: embedded[0]) ?? request.parameters.format
            let outputs = try ResultWriter.write(
                embedded,
                stem: SourceName(path: source.path).stem,
                fileExtension: format.fileExtension,
                numbered: embedded.count > 1
            )
            try await ledger.recordSuccess(job, outputs: outputs, usage: usage, now: now())
            ErrorReport.removeStale(for: source.path)
            logger.info(
                "Job done",
                metadata: [
                    "job.outputs": "\(outputs.map { SourceName(path: $0).fileName }.joined(separator: ", "))",
                    "job.usd": "\(usage.usdSpent.map { String($0) } ?? "unknown")",
                ]
            )
        } catch let error as ImageInboxError {
            await fail(source, hash: hash, problem: error, job: job, logger: logger)
        } catch {
            let problem = ImageInboxError(code: .outputFailed, message: "The job failed: \(error).", cause: error)
            await fail(source, hash: hash, problem: problem, job: job, logger: logger)
        }
    }

    private func metadata(for request: GenerationRequest, source: SettledSource, job: JobRecord, usage: APIUsage) -> ImageMetadata {
        let formatter = ISO8601DateFormatter()
        var entries: [(key: String, value: String)] = [
            ("prompt", request.prompt),
            ("model", request.parameters.model),
            ("size", request.parameters.size ?? "default"),
            ("quality", request.parameters.quality ?? "default"),
            ("format", request.parameters.format.rawValue),
            ("created", formatter.string(from: now())),
            ("source", String(source.path.dropFirst(source.inbox.count + 1))),
            ("job", job.id),
            ("generator", "image-inbox \(ImageInboxVersion.current)"),
        ]
        if let usd = usage.usdSpent { entries.append(("cost_usd", String(usd))) }
        if configuration.placeholders { entries.append(("placeholder", "true: made offline by --dry-run, not by an images API")) }
        return ImageMetadata(entries)
    }

    private func fail(_ source: SettledSource, hash: String, problem: ImageInboxError, job: JobRecord? = nil, logger: Logger) async {
        var logger = logger
        let record = job ?? JobRecord(sourcePath: source.path, contentHash: hash, kind: "generation", state: .failed, now: now())
        logger[metadataKey: "job.id"] = "\(record.id)"
        do {
            try await ledger.recordFailure(record, error: problem, now: now())
        } catch {
            logger.error("Ledger write failed", metadata: ["error": "\(error)"])
        }
        let report = ErrorReport(sourcePath: source.path, error: problem, jobID: record.id, date: now())
        do {
            let written = try report.write(redacting: configuration.apiKey)
            logger.warning(
                written ? "Job failed, reported in the folder" : "Job failed; an error file of someone else's is in the way",
                metadata: ["error.code": "\(problem.code)", "error": "\(configuration.apiKey?.redact(problem.message) ?? problem.message)"]
            )
        } catch {
            logger.error("Job failed and the error file could not be written", metadata: ["error.code": "\(problem.code)", "error": "\(error)"])
        }
    }
}
