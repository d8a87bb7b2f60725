import Foundation
import ImageInbox
import ImageInboxTestSupport
import Logging
import Testing

/// December's models and options end to end, over the strict stub, which follows the same
/// catalogue: options sent as asked, refused locally when a model does not take them, a model
/// added through the configuration's `models:`, and an unknown model that is never free.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ModelCatalogueIntegrationTests {
    func note(_ harness: DaemonHarness, _ name: String) -> String {
        (try? String(decoding: harness.bytes(name), as: UTF8.self)) ?? ""
    }

    @Test func gptImage26TakesXhighAndComplexityAndGptImage2RefusesXhighWithANote() async throws {
        try await DaemonHarness.run(profile: .openai) { harness in
            try await harness.withDaemon(provider: .openai) {
                try harness.drop("fox.prompt", "---\nmodel: gpt-image-2.6-sunburst\nquality: xhigh\ncomplexity: low\n---\nA red fox")
                try harness.drop("owl.prompt", "---\nmodel: gpt-image-2\nquality: xhigh\n---\nAn owl")
                #expect(await eventually { harness.names().contains("fox.png") && harness.names().contains("owl.error.txt") })
            }
            let sent = try #require(harness.stub.generationRequests.first)
            #expect(harness.stub.generationRequests.count == 1, "nothing sent for the owl")
            #expect(sent.fields["model"] == "gpt-image-2.6-sunburst" && sent.fields["quality"] == "xhigh" && sent.fields["complexity"] == "low", "\(sent.fields)")
            #expect(note(harness, "owl.error.txt").contains("quality 'xhigh' is not one of low, medium, high, auto (gpt-image-2)"), "\(note(harness, "owl.error.txt"))")
        }
    }

    /// A `models:` entry that lets gpt-image-2 take `xhigh`, applied by a reload: the same file,
    /// refused before, is made after.
    @Test func aModelChangedThroughTheConfigurationIsUsedAfterAReload() async throws {
        let overridden = ModelCatalogue.shipped.applying(
            try ModelOverride.list(yaml: "- provider: openai\n  id: gpt-image-2\n  qualities: [low, medium, high, xhigh, auto]\n", origin: "a test")
        )
        try await DaemonHarness.run(profile: StubProfile.openai.with(catalogue: overridden)) { harness in
            try await harness.withRunner(provider: .openai) { runner in
                try harness.drop("owl.prompt", "---\nmodel: gpt-image-2\nquality: xhigh\n---\nAn owl")
                #expect(await eventually { harness.names().contains("owl.error.txt") })
                #expect(harness.stub.generationRequests.isEmpty)
                let clients = HTTPClients()
                var profile = ProviderProfile.profile(for: .openai)
                profile.catalogue = overridden
                let key = APIKey(harness.stub.apiKey)
                await runner.reconfigure(
                    .init(profile: profile, apiKey: key, retry: RetryPolicy(baseDelay: .milliseconds(100), maximumDelay: .seconds(2)), pauseProbeInterval: .seconds(1)),
                    generator: ImagesAPIClient(
                        configuration: .init(profile: profile, baseURL: harness.stub.baseURL, apiKey: key),
                        httpClient: clients.client(concurrency: 4),
                        logger: .init(label: "test")
                    )
                )
                // Saved again: a changed file is tried again.
                try harness.drop("owl.prompt", "---\nmodel: gpt-image-2\nquality: xhigh\n---\nAn owl at night")
                #expect(await eventually { harness.names().contains("owl.png") }, "\(harness.names())")
                try await clients.shutdown()
            }
            #expect(harness.stub.generationRequests.first?.fields["quality"] == "xhigh")
        }
    }

    /// A model the daemon's catalogue does not know, on a provider that serves it and reports
    /// tokens only: its cost is counted at the highest prices, and its budget trips.
    @Test func anUnknownModelsCostIsCountedAndItsBudgetTrips() async throws {
        let served = ModelCatalogue.shipped.applying(try ModelOverride.list(yaml: "- provider: openai\n  id: acme-image-9\n", origin: "the provider"))
        let dayStarted = LocalDay.start(of: Date())
        try await DaemonHarness.run(profile: StubProfile.openai.with(catalogue: served)) { harness in
            try await harness.withDaemon(provider: .openai, concurrency: 1, maximumUSDPerDay: 0.50) {
                let ledger = try SQLiteLedger.openForReading(at: harness.stateDirectory + "/ledger.sqlite")
                for index in 1...10 {
                    try harness.drop("p\(index).prompt", "---\nmodel: acme-image-9\n---\nPicture \(index)")
                }
                #expect(try await eventually { try await ledger.daemonState()["paused"]?.contains("daily budget") == true })
            }
            let made = harness.names().filter { $0.hasSuffix(".png") }
            #expect(!made.isEmpty && made.count < 10, "\(made)")
            // The image says its cost is an estimate, and why.
            let basis = try made.first.map { ImageMetadata(readingFrom: try harness.bytes($0))["cost_basis"] } ?? nil
            #expect(basis?.contains("acme-image-9 is not in the model catalogue") == true, "\(basis ?? "none")")
            let spent = try await SQLiteLedger.open(at: harness.stateDirectory + "/ledger.sqlite").cost(since: dayStarted)
            #expect(spent > 0, "an unknown model is never free")
            #expect(spent <= 0.50, "\(spent)")
        }
    }

    /// A job for a model already shut down (the catalogue's date, the provider saying nothing
    /// else) fails before anything is paid, with a note naming its replacement.
    @Test func aJobForARetiredModelFailsWithANoteNamingItsReplacement() async throws {
        try await DaemonHarness.run(profile: .openai) { harness in
            try await harness.withRunner(provider: .openai) { runner in
                let clients = HTTPClients()
                let profile = ProviderProfile.profile(for: .openai)
                let key = APIKey(harness.stub.apiKey)
                var configuration = JobRunner.Configuration(profile: profile, apiKey: key, pauseProbeInterval: .seconds(1))
                configuration.retiringModels = RetiringModels(catalogue: .shipped, provider: .openai)
                await runner.reconfigure(
                    configuration,
                    generator: ImagesAPIClient(
                        configuration: .init(profile: profile, baseURL: harness.stub.baseURL, apiKey: key),
                        httpClient: clients.client(concurrency: 4),
                        logger: .init(label: "test")
                    )
                )
                try harness.drop("old.prompt", "---\nmodel: gpt-image-1.5\n---\nAn old lighthouse")
                #expect(await eventually { harness.names().contains("old.error.txt") })
                try await clients.shutdown()
            }
            #expect(harness.stub.generationRequests.isEmpty, "nothing paid for a model that is gone")
            let text = note(harness, "old.error.txt")
            #expect(text.contains("The model 'gpt-image-1.5' was shut down on 2026-12-01; use 'gpt-image-2.6-flare' instead"), "\(text)")
        }
    }
}
