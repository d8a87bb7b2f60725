import Crypto
import Foundation
import Inotify
import Logging
import NIOCore
import NIOFileSystem
import RawFileNames

extension JobRunner {
    /// Runs an edit bundle whose instruction file settled: waits for missing parts (up to the
    /// orphan timeout), checks every part locally, and sends it only if this exact content —
    /// instruction and every image — was not finished before.
    func processEdit(_ source: SettledSource, instruction: [UInt8], logger: Logger) async -> Outcome {
        let instructionHash = ContentHash.of(instruction)
        let isFolderForm = !SourceName(path: source.path).fileName.lowercased().hasSuffix(".edit")
        let document: PromptDocument
        let resolution: EditBundle.Resolution
        do throws(ImageInboxError) {
            document = try PromptDocument(data: Data(instruction), extraKeys: isFolderForm ? [] : ["images"])
            if document.parameters.moderation != nil {
                throw ImageInboxError(
                    code: .invalidParameter,
                    message: "moderation applies to prompts only: the edit endpoint has no such setting. Remove it from the front matter."
                )
            }
            let extra = try Self.extraImages(in: instruction, isFolderForm: isFolderForm)
            resolution = try EditBundle.resolve(instruction: source.path, extraImages: extra, inbox: source.inbox)
        } catch {
            await fail(source, hash: instructionHash, problem: error, kind: "edit", logger: logger)
            return .finished
        }

        let bundle: EditBundle
        switch resolution {
        case .waiting(let missing):
            return await wait(for: missing, source: source, instructionHash: instructionHash, logger: logger)
        case .ready(let ready):
            // The images listed under images: are no file the watcher follows for this bundle:
            // one written moments ago may still be arriving (a copy that pauses mid-file).
            if ready.form == .sidecar, let settles = Self.newestChange(of: ready.images.dropFirst(), quietFor: configuration.partsQuietWindow) {
                logger.info("Edit bundle waits for a listed image written moments ago", metadata: ["job.wait_s": "\(settles.components.seconds)"])
                revisit(source, after: settles)
                return .finished
            }
            bundle = ready
            await recording("the end of the bundle's wait", consequence: "image-inbox status counts it as waiting until it is done", logger: logger) {
                try await ledger.cancelWaitingJobs(sourcePath: source.path, now: now())
            }
        }

        let request: EditRequest
        let hash: String
        do throws(ImageInboxError) {
            let (images, mask) = try EditBundleValidator().validate(bundle)
            let style = try folderDefaults.style(for: SourceName(path: source.path).directory, inbox: source.inbox)
            // An instruction says what to change: the folder's prompt template is for prompts.
            var (layered, _) = try style.resolve(
                frontMatter: document.parameters, preset: document.preset, prompt: document.prompt, templated: false, over: configuration.defaults
            )
            // A folder's or the configuration's moderation is for its prompts; edits have none.
            layered.moderation = nil
            let parameters = try configuration.profile.resolve(layered)
            if let entry = configuration.profile.entry(for: parameters.model), !entry.endpoints.contains(.edits) {
                throw ImageInboxError(code: .invalidParameter, message: "\(entry.id) does not edit images; name a model that does in the front matter (model: …).")
            }
            try checkModel(parameters.model)
            request = EditRequest(prompt: document.prompt, parameters: parameters, images: images, mask: mask)
            hash = try await Self.contentHash(instruction: instruction, parts: images + (mask.map { [$0] } ?? []))
        } catch {
            await fail(source, hash: instructionHash, problem: error, kind: "edit", logger: logger)
            return .finished
        }
        guard await !isFinished(source, hash: hash, logger: logger) else { return .finished }
        return await run(.edit(request, bundle: bundle), for: source, hash: hash, logger: logger)
    }

    /// Records that a bundle waits for parts; past the orphan timeout, reports what is missing.
    private func wait(for missing: [String], source: SettledSource, instructionHash: String, logger: Logger) async -> Outcome {
        let hash = "waiting:" + instructionHash
        guard await !isFinished(source, hash: hash, logger: logger) else { return .finished }
        var recorded: JobRecord?
        await recording("that the bundle waits for its parts", consequence: "it is looked at again when a part arrives or at the next scan", logger: logger) {
            recorded = try await ledger.recordWaiting(sourcePath: source.path, inbox: source.inbox, contentHash: hash, now: now())
        }
        guard let job = recorded else { return .finished }
        let waited = now().timeIntervalSince(job.createdAt)
        guard waited >= Double(configuration.orphanTimeout.components.seconds) else {
            logger.info("Edit bundle waits for its parts", metadata: ["bundle.missing": "\(missing.joined(separator: ", "))", "job.id": "\(job.id)"])
            await scheduleOrphanCheck()
            return .finished
        }
        let problem = ImageInboxError(
            code: .invalidSource,
            message: "Still missing after \(Int(waited / 60)) minutes: \(missing.joined(separator: ", ")). Add "
                + (missing.count == 1 ? "it" : "them") + " next to the instruction, then save the instruction again."
        )
        await fail(source, hash: hash, problem: problem, job: job, kind: "edit", logger: logger)
        return .finished
    }

    /// How long until the newest of `paths` has been unchanged for `quiet`; nil when all have.
    private static func newestChange(of paths: ArraySlice<String>, quietFor quiet: Duration) -> Duration? {
        let now = FileSystem.wallClockNanoseconds()
        let quietNanoseconds = quiet.components.seconds * 1_000_000_000 + quiet.components.attoseconds / 1_000_000_000
        guard let newest = paths.compactMap({ FileSystem.identity(of: $0)?.modificationNanoseconds }).max() else { return nil }
        let left = newest + quietNanoseconds - now
        return left > 0 ? .nanoseconds(left) : nil
    }

    /// The `images:` list of a sidecar's front matter.
    private static func extraImages(in instruction: [UInt8], isFolderForm: Bool) throws(ImageInboxError) -> [String] {
        let mapping = try PromptDocument.frontMatter(of: Data(instruction))
        switch mapping["images"] {
        case nil: return []
        case _ where isFolderForm:
            throw ImageInboxError(code: .invalidParameter, message: "images: is for sidecar .edit files; in a folder bundle, put the images in the folder.")
        case let list as [String]: return list
        case let single as String: return [single]
        default:
            throw ImageInboxError(code: .invalidParameter, message: "images: must be a list of file names, such as 'images: [crown.png, hat.jpg]'.")
        }
    }

    /// The SHA-256 over the instruction and every part's name and bytes, read in chunks from
    /// the file that was checked (a part changed since is refused, never hashed as it is now).
    private static func contentHash(instruction: [UInt8], parts: [EditRequest.Upload]) async throws(ImageInboxError) -> String {
        let hashed = await FileSystem.offloaded { () -> Result<String, SyscallError> in
            var hasher = SHA256()
            hasher.update(data: instruction)
            for part in parts {
                hasher.update(data: Array("\u{0}\(part.filename)\u{0}".utf8))
                let opened = ReadOnlyFile.open(part.path, expecting: part.identity)
                guard case .success(let file) = opened else { return opened.map { _ in "" } }
                var offset: Int64 = 0
                while true {
                    switch file.read(at: offset, count: 64 * 1024) {
                    case .failure(let error): return .failure(error)
                    case .success(let chunk) where chunk.isEmpty: break
                    case .success(let chunk):
                        hasher.update(data: chunk)
                        offset += Int64(chunk.count)
                        continue
                    }
                    break
                }
            }
            return .success(hasher.finalize().map { String(format: "%02x", $0) }.joined())
        }
        switch hashed {
        case .success(let hash): return hash
        case .failure(let error):
            throw ImageInboxError(code: .invalidSource, message: FileSystem.refusal(of: "A part of the bundle", error.code), cause: error)
        }
    }
}
