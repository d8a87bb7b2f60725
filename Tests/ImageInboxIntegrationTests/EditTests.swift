import Foundation
import ImageInbox
import ImageInboxTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Edit bundles end to end: the seeds' two examples, both bundle forms, late parts, orphans, and
/// every refusal, over real inotify and the strict stub.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct EditTests {
    let rex = PlaceholderImage.render(width: 1024, height: 1024, format: .png, seed: 1)
    let crown = PlaceholderImage.render(width: 512, height: 512, format: .png, seed: 2)
    let mask = PlaceholderImage.render(width: 1024, height: 1024, format: .png, seed: 3, transparent: true)

    /// An image whose upload began before its instruction existed was no bundle's part while it
    /// was written: the bundle must still wait for it, not upload half of it (a share client that
    /// pauses mid-file, as smbd's clients do).
    @Test(.timeLimit(.minutes(1))) func anImageStillArrivingWhenItsInstructionLandsIsWaitedFor() async throws {
        try await DaemonHarness.run { harness in
            try await harness.withDaemon {
                let path = harness.inbox + "/rex.png"
                _ = FileManager.default.createFile(atPath: path, contents: nil)
                let image = try #require(FileHandle(forWritingAtPath: path))
                let half = rex.count / 2
                try image.write(contentsOf: rex[..<half])
                // A slow writer: the first half is long written (and its events handled) when the instruction lands.
                try await Task.sleep(for: .milliseconds(300))
                try harness.drop("rex.edit", "Put a crown on the T-rex")
                // Longer than the settle window of the instruction, shorter than the quiet window.
                try await Task.sleep(for: .milliseconds(600))
                try image.write(contentsOf: rex[half...])
                try image.close()
                #expect(await eventually { harness.names().contains("rex.edited.png") })
            }
            #expect(harness.stub.editRequests.count == 1)
            #expect(harness.names() == ["rex.edit", "rex.edited.png", "rex.png"], "no error note for a half image")
            let sent = try #require(harness.stub.editRequests.first?.parts.first { $0.filename == "rex.png" })
            #expect(ContentHash.of(sent.bytes) == ContentHash.of(rex), "the whole image, not the \(sent.bytes.count) of \(rex.count) bytes there when the instruction landed")
        }
    }

    /// An image listed under images: is no part the watcher follows for the bundle: one still
    /// being written when the instruction lands is waited for until it has been quiet.
    @Test(.timeLimit(.minutes(1))) func aListedImageStillArrivingWhenItsInstructionLandsIsWaitedFor() async throws {
        try await DaemonHarness.run { harness in
            try harness.drop("rex.png", bytes: rex)
            try await harness.withDaemon {
                // Past the startup scan, so that the instruction is taken at its close, as on a live share.
                try harness.drop("first.prompt", "First")
                #expect(await eventually { harness.names().contains("first.png") })
                let path = harness.inbox + "/crown.png"
                _ = FileManager.default.createFile(atPath: path, contents: nil)
                let image = try #require(FileHandle(forWritingAtPath: path))
                let half = crown.count / 2
                try image.write(contentsOf: crown[..<half])
                try await Task.sleep(for: .milliseconds(300))
                try harness.drop("rex.edit", "---\nimages: [crown.png]\n---\nPut the crown on the T-rex")
                // Longer than the instruction's settle window, shorter than the quiet window.
                try await Task.sleep(for: .milliseconds(600))
                try image.write(contentsOf: crown[half...])
                try image.close()
                #expect(await eventually { harness.names().contains("rex.edited.png") })
            }
            #expect(harness.stub.editRequests.count == 1)
            let sent = try #require(harness.stub.editRequests.first?.parts.first { $0.filename == "crown.png" })
            #expect(ContentHash.of(sent.bytes) == ContentHash.of(crown), "the whole image, not the \(sent.bytes.count) of \(crown.count) bytes there when the instruction landed")
        }
    }

    @Test func putTheCrownOnTheTRexSendsBothImagesAsImageArray() async throws {
        try await DaemonHarness.run { harness in
            try harness.drop("rex.png", bytes: rex)
            try harness.drop("crown.png", bytes: crown)
            try await harness.withDaemon {
                try harness.drop("rex.edit", "---\nimages: [crown.png]\n---\nPut the crown on the T-rex's head")
                #expect(await eventually { harness.names().contains("rex.edited.png") })
            }
            let request = try #require(harness.stub.editRequests.first)
            #expect(harness.stub.editRequests.count == 1)
            #expect(request.fields["prompt"] == "Put the crown on the T-rex's head")
            #expect(request.fields["model"] == "openai/gpt-image-2")
            let files = request.parts.filter { $0.filename != nil }
            #expect(files.map(\.name) == ["image[]", "image[]"])
            #expect(files.map(\.filename) == ["rex.png", "crown.png"])
            #expect(files.map(\.contentType) == ["image/png", "image/png"])
            #expect(files[0].bytes == rex)
            #expect(files[1].bytes == crown)
            let result = try harness.bytes("rex.edited.png")
            #expect(ImageInfo(bytes: result)?.format == .png)
            #expect(ImageMetadata(readingFrom: result)["images"] == "rex.png, crown.png")
            #expect(ImageMetadata(readingFrom: result)["source"] == "rex.edit")
        }
    }

    @Test func removeThisFromThePictureSendsTheImageAndTheMask() async throws {
        try await DaemonHarness.run { harness in
            let photo = PlaceholderImage.render(width: 1024, height: 1024, format: .jpeg, seed: 4)
            try harness.drop("photo.JPG", bytes: photo)
            try harness.drop("photo.mask.png", bytes: mask)
            try await harness.withDaemon {
                try harness.drop("photo.edit", "---\nsize: 1024x1536\n---\nRemove this from the picture")
                #expect(await eventually { harness.names().contains("photo.edited.png") })
            }
            let request = try #require(harness.stub.editRequests.first)
            let files = request.parts.filter { $0.filename != nil }
            #expect(files.map(\.name) == ["image", "mask"])
            #expect(files.map(\.filename) == ["photo.JPG", "photo.mask.png"])
            #expect(files.map(\.contentType) == ["image/jpeg", "image/png"])
            #expect(files[0].bytes == photo && files[1].bytes == mask)
            #expect(request.fields["size"] == "1024x1536")
            #expect(request.fields["response_format"] == "b64_json")
            #expect(ImageInfo(bytes: try harness.bytes("photo.edited.png"))?.height == 1536)
        }
    }

    @Test func aFolderBundleTakesItsImagesInNameOrderAndWritesResultsInside() async throws {
        try await DaemonHarness.run { harness in
            let second = PlaceholderImage.render(width: 300, height: 200, format: .webp, seed: 5)
            try harness.drop("poster.edit/b-logo.webp", bytes: second)
            try harness.drop("poster.edit/a-base.png", bytes: rex)
            try harness.drop("poster.edit/mask.png", bytes: mask)
            try await harness.withDaemon {
                try harness.drop("poster.edit/instruction.txt", "---\ncount: 2\n---\nMake it a poster")
                #expect(await eventually { harness.names(in: "poster.edit").contains("result-2.png") })
                // A changed instruction is a new job, and the results already there are not parts of it.
                try harness.drop("poster.edit/instruction.txt", "Make it a bigger poster")
                // One result takes the first free name, as everywhere: result.png.
                #expect(await eventually { harness.names(in: "poster.edit").contains("result.png") })
            }
            // The AI/ML API's edit endpoint takes n: one upload for both images of the first job.
            #expect(harness.stub.editRequests.count == 2, "one upload with n=2, then one with none")
            #expect(harness.stub.editRequests.map { $0.fields["n"] } == ["2", nil])
            for request in harness.stub.editRequests {
                #expect(request.parts.filter { $0.filename != nil }.map(\.filename) == ["a-base.png", "b-logo.webp", "mask.png"])
                #expect(request.parts.first { $0.filename == "b-logo.webp" }?.contentType == "image/webp")
            }
            #expect(harness.names(in: "poster.edit").filter { $0.hasPrefix("result") } == ["result-1.png", "result-2.png", "result.png"])
        }
    }

    @Test func anEditForThreeImagesIsOneUploadAndModerationIsRefusedByName() async throws {
        try await DaemonHarness.run { harness in
            try harness.drop("cat.png", bytes: rex)
            try harness.drop("dog.png", bytes: rex)
            try await harness.withDaemon {
                try harness.drop("cat.edit", "---\ncount: 3\n---\nThree hats")
                try harness.drop("dog.edit", "---\nmoderation: low\n---\nA collar")
                #expect(await eventually { harness.names().contains("cat.edited-3.png") && harness.names().contains("dog.error.txt") })
            }
            #expect(harness.stub.editRequests.count == 1, "the bundle is uploaded once, not once an image")
            #expect(harness.stub.editRequests.first?.fields["n"] == "3")
            #expect(harness.names().filter { $0.hasPrefix("cat.edited") } == ["cat.edited-1.png", "cat.edited-2.png", "cat.edited-3.png"])
            let note = String(decoding: try harness.bytes("dog.error.txt"), as: UTF8.self)
            #expect(note.contains("moderation applies to prompts only"), "\(note)")
        }
    }

    @Test func aBundleWaitsForAnImageThatArrivesLater() async throws {
        try await DaemonHarness.run { harness in
            try await harness.withDaemon {
                // withDaemon has already created the ledger; it is read as the daemon writes it.
                let ledger = try SQLiteLedger.openForReading(at: harness.stateDirectory + "/ledger.sqlite")
                func jobs() async throws -> [JobRecord] {
                    try await ledger.allJobs().filter { $0.sourcePath.hasSuffix("/late.edit") }
                }
                try harness.drop("late.edit", "Add a rainbow")
                // Awaited: the runner looked at the bundle and recorded that it waits.
                #expect(try await eventually { try await jobs().contains { $0.state == .waiting } })
                #expect(try await jobs().map(\.state) == [.waiting])
                #expect(harness.stub.editRequests.isEmpty)
                #expect(!harness.names().contains("late.error.txt"))
                try harness.drop("late.png", bytes: rex)
                #expect(await eventually { harness.names().contains("late.edited.png") })
                // The wait ended and the edit is recorded done.
                #expect(
                    try await eventually {
                        let states = try await jobs().map(\.state)
                        return states.contains(.cancelled) && states.contains(.done) && !states.contains(.waiting)
                    }
                )
            }
            let request = try #require(harness.stub.editRequests.first)
            #expect(harness.stub.editRequests.count == 1)
            #expect(request.fields["prompt"] == "Add a rainbow")
            #expect(request.parts.filter { $0.filename != nil }.map(\.filename) == ["late.png"])
            #expect(request.parts.first { $0.filename == "late.png" }?.bytes == rex)
            #expect(!harness.names().contains("late.error.txt"))
        }
    }

    @Test func anOrphanBundleIsReportedAfterTheTimeout() async throws {
        try await DaemonHarness.run { harness in
            try await harness.withDaemon(orphanTimeout: .seconds(2)) {
                try harness.drop("lonely.edit", "Nothing to edit")
                #expect(await eventually { harness.names().contains("lonely.error.txt") })
            }
            #expect(harness.stub.editRequests.isEmpty)
            let text = String(decoding: try harness.bytes("lonely.error.txt"), as: UTF8.self)
            #expect(text.contains("Still missing after"))
            #expect(text.contains("lonely.png"))
        }
    }

    @Test func anUnchangedBundleIsNeverSentTwiceAndAReplacedMaskIsANewJob() async throws {
        try await DaemonHarness.run { harness in
            try harness.drop("cat.png", bytes: rex)
            try harness.drop("cat.mask.png", bytes: mask)
            try await harness.withDaemon {
                try harness.drop("cat.edit", "Give it a hat")
                #expect(await eventually { harness.names().contains("cat.edited.png") })
            }
            try await harness.withDaemon {
                try await Task.sleep(for: .seconds(2))
                #expect(harness.stub.editRequests.count == 1, "a restart sends nothing")
                try harness.drop("cat.mask.png", bytes: PlaceholderImage.render(width: 1024, height: 1024, format: .png, seed: 9, transparent: true))
                #expect(await eventually { harness.names().contains("cat.edited-2.png") })
            }
            #expect(harness.stub.editRequests.count == 2)
        }
    }

    @Test func everyRefusalIsReportedAndNothingIsSent() async throws {
        try await DaemonHarness.run { harness in
            let outside = harness.stateDirectory + "-outside.png"
            try FileManager.default.createDirectory(atPath: SourceName(path: outside).directory, withIntermediateDirectories: true)
            try Data(rex).write(to: URL(fileURLWithPath: outside))
            // Each case: a base image (or folder), and what its error note must say.
            try harness.drop("small-mask.png", bytes: rex)
            try harness.drop("small-mask.mask.png", bytes: PlaceholderImage.render(width: 512, height: 512, format: .png, seed: 1, transparent: true))
            try harness.drop("opaque-mask.png", bytes: rex)
            try harness.drop("opaque-mask.mask.png", bytes: rex)
            for index in 1...17 { try harness.drop("many.edit/\(String(format: "%02d", index)).png", bytes: crown) }
            var big = rex
            big += [UInt8](repeating: 0, count: 51_000_000 - rex.count)
            try harness.drop("huge.png", bytes: big)
            try harness.drop("fake.png", bytes: Array("this is a text file named .png".utf8))
            try harness.drop("escape.png", bytes: rex)
            try FileManager.default.createSymbolicLink(atPath: harness.inbox + "/linked.png", withDestinationPath: outside)
            #expect(mkfifo(harness.inbox + "/pipe.png", 0o644) == 0)
            let cases: [(String, String)] = [
                ("small-mask", "is 512x512 but the image \"small-mask.png\" is 1024x1024"),
                ("opaque-mask", "has no transparency"),
                ("many.edit/error", "17 images; an edit takes at most 16"),
                ("huge", "is 51 MB; the limit is 50 MB"),
                ("fake", "is not a PNG, JPEG or WebP image"),
                ("escape", "is outside the inbox"),
                ("linked", "is a symbolic link"),
                ("pipe", "is not a regular file"),
            ]
            try await harness.withDaemon {
                for (name, _) in cases where !name.hasPrefix("many") {
                    try harness.drop(name + ".edit", name == "escape" ? "---\nimages: [../\(SourceName(path: outside).fileName)]\n---\nUse the outside image" : "Edit it")
                }
                try harness.drop("many.edit/instruction.txt", "Use them all")
                #expect(await eventually {
                    cases.allSatisfy { name, _ in FileManager.default.fileExists(atPath: harness.inbox + "/" + name + (name.hasSuffix("/error") ? ".txt" : ".error.txt")) }
                })
            }
            #expect(harness.stub.editRequests.isEmpty)
            for (name, words) in cases {
                let file = name + (name.hasSuffix("/error") ? ".txt" : ".error.txt")
                let text = String(decoding: try harness.bytes(file), as: UTF8.self)
                #expect(text.contains(words), "\(file): \(text)")
            }
        }
    }
}
