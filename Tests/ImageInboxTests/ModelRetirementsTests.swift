import Foundation
import ImageInbox
import Testing

struct ModelRetirementsTests {
    /// 2026-12-07 12:00 UTC.
    static let now = Date(timeIntervalSince1970: 1_796_644_800)
    static let day: TimeInterval = 86_400

    /// The catalogue as the tests know it: OpenAI's announced shutdowns and replacements.
    static let catalogue: @Sendable (String) -> ModelRetirements.Catalogued? = { name in
        switch name {
        case "gpt-image-2", "gpt-image-2-latest":
            return ModelRetirements.Catalogued(id: "gpt-image-2", replacement: "gpt-image-2.6-flare")
        case "gpt-image-1.5":
            return ModelRetirements.Catalogued(id: "gpt-image-1.5", shutdownDate: "2026-12-01", replacement: "gpt-image-2.6-flare")
        case "gpt-image-1-mini":
            return ModelRetirements.Catalogued(id: "gpt-image-1-mini", shutdownDate: "2026-12-01", replacement: "gpt-image-2.6-sunburst")
        default:
            return nil
        }
    }

    func assess(
        _ retirements: inout ModelRetirements,
        _ models: Set<String> = ["gpt-image-2"],
        listing: ModelRetirements.Listing,
        at now: Date = Self.now
    ) -> ModelRetirements.Decision {
        retirements.assess(modelsInUse: models, listing: listing, catalogue: Self.catalogue, now: now)
    }

    @Test func twentyDaysOutWarnsAndIsNamedOnTheStatusLine() throws {
        var retirements = ModelRetirements()
        let decision = assess(&retirements, listing: .listed(["gpt-image-2": "2026-12-27", "dall-e-3": nil]))
        let retirement = try #require(decision.retirements.first)
        #expect(decision.retirements.count == 1)
        #expect(retirement.daysLeft(at: Self.now) == 20 && retirement.replacement == "gpt-image-2.6-flare")
        #expect(decision.actions == [.warn(retirement)])
        #expect(ModelRetirements.statusNotes(decision.retirements, now: Self.now) == ["model gpt-image-2 retires 2026-12-27 (20 days)"])
        #expect(retirement.notice(at: Self.now) == "model gpt-image-2 shuts down on 2026-12-27 (20 days); its replacement: gpt-image-2.6-flare")
        #expect(decision.nextCheck == ModelRetirements.checkInterval)
    }

    @Test func fortyDaysOutWarnsTheJournalOnly() {
        var retirements = ModelRetirements()
        let decision = assess(&retirements, listing: .listed(["gpt-image-2": "2027-01-16"]))
        #expect(decision.retirements.map { $0.daysLeft(at: Self.now) } == [40])
        #expect(decision.actions.count == 1)
        #expect(ModelRetirements.statusNotes(decision.retirements, now: Self.now).isEmpty)
    }

    @Test func aShutdownMonthsAwayIsKnownButQuiet() {
        var retirements = ModelRetirements()
        // 91 days: past the warning window, still exported (the metric, check and status list it).
        let decision = assess(&retirements, listing: .listed(["gpt-image-2": "2027-03-08"]))
        #expect(decision.retirements.map { $0.daysLeft(at: Self.now) } == [91])
        #expect(decision.actions.isEmpty)
    }

    @Test func theWarningComesOncePerModelPerDay() {
        var retirements = ModelRetirements()
        let listing = ModelRetirements.Listing.listed(["gpt-image-2": "2026-12-27"])
        #expect(assess(&retirements, listing: listing).actions.count == 1)
        // A reload the same day checks again, without a second warning.
        #expect(assess(&retirements, listing: listing, at: Self.now.addingTimeInterval(3_600)).actions.isEmpty)
        #expect(assess(&retirements, listing: listing, at: Self.now.addingTimeInterval(Self.day)).actions.count == 1)
    }

    @Test func afterTheDateAJobIsRefusedWithTheReplacement() throws {
        let facts = RetiringModels(lookup: Self.catalogue)
        let refusal = try #require(facts.refusal(for: "gpt-image-1.5", now: Self.now))
        #expect(refusal.code == .modelNotFound)
        #expect(
            refusal.message
                == "The model 'gpt-image-1.5' was shut down on 2026-12-01; use 'gpt-image-2.6-flare' instead (set model: in the front matter or the folder's image-inbox.yaml)."
        )
        // The day before it still runs; from its first UTC second it does not.
        let shutdown = Date(timeIntervalSince1970: 1_796_083_200)
        #expect(facts.refusal(for: "gpt-image-1.5", now: shutdown.addingTimeInterval(-1)) == nil)
        #expect(facts.refusal(for: "gpt-image-1.5", now: shutdown) != nil)
        #expect(facts.refusal(for: "gpt-image-2", now: Self.now) == nil)
        #expect(facts.refusal(for: "someone-elses-model", now: Self.now) == nil)
    }

    @Test func aRetiredModelInUseIsNamedAsRetired() throws {
        var retirements = ModelRetirements()
        let decision = assess(&retirements, ["gpt-image-1.5"], listing: .listed([:]))
        let retirement = try #require(decision.retirements.first)
        #expect(retirement.isRetired(at: Self.now) && retirement.daysLeft(at: Self.now) == -6)
        #expect(decision.actions == [.warn(retirement)])
        #expect(ModelRetirements.statusNotes(decision.retirements, now: Self.now) == ["model gpt-image-1.5 retired 2026-12-01, use gpt-image-2.6-flare"])
    }

    @Test func aProviderWithoutModelsLeavesTheCatalogueToSpeak() {
        var retirements = ModelRetirements()
        // A 404 is an empty list: nothing known of gpt-image-2, the catalogue's date for the mini.
        let decision = assess(&retirements, ["gpt-image-2", "gpt-image-1-mini"], listing: .listed([:]))
        #expect(decision.retirements.map(\.model) == ["gpt-image-1-mini"])
        #expect(decision.retirements.first?.replacement == "gpt-image-2.6-sunburst")
        let nothing = assess(&retirements, ["gpt-image-2", "unknown-model"], listing: .listed([:]))
        #expect(nothing.retirements.isEmpty && nothing.actions.isEmpty)
    }

    @Test func theListedDateWinsAndAnAliasFindsItsModel() {
        let listed: [String: String?] = ["gpt-image-2": "2026-12-27", "gpt-image-1.5": "2026-12-15", "gpt-image-1-mini": nil]
        #expect(ModelRetirements.retirement(of: "gpt-image-1.5", listed: listed, catalogue: Self.catalogue)?.shutdownDate == "2026-12-15")
        #expect(ModelRetirements.retirement(of: "gpt-image-2-latest", listed: listed, catalogue: Self.catalogue)?.shutdownDate == "2026-12-27")
        // Listed without a date: the provider still runs it, whatever the catalogue says.
        #expect(ModelRetirements.retirement(of: "gpt-image-1-mini", listed: listed, catalogue: Self.catalogue) == nil)
        // A date that is not one is passed over.
        #expect(ModelRetirements.retirement(of: "gpt-image-1.5", listed: ["gpt-image-1.5": "soon"], catalogue: Self.catalogue)?.shutdownDate == "2026-12-01")
    }

    @Test func aFailedListIsReportedOnceAndItsLastAnswerKept() {
        var retirements = ModelRetirements()
        _ = assess(&retirements, listing: .listed(["gpt-image-2": "2026-12-27"]))
        let failed = assess(&retirements, listing: .failed("HTTP 500"), at: Self.now.addingTimeInterval(60))
        #expect(failed.actions == [.reportFailure("HTTP 500", first: true)])
        #expect(failed.retirements.map(\.shutdownDate) == ["2026-12-27"])
        #expect(failed.nextCheck == ModelRetirements.retryInterval)
        #expect(assess(&retirements, listing: .failed("HTTP 500"), at: Self.now.addingTimeInterval(120)).actions == [.reportFailure("HTTP 500", first: false)])
        _ = assess(&retirements, listing: .listed(["gpt-image-2": "2026-12-27"]), at: Self.now.addingTimeInterval(180))
        #expect(assess(&retirements, listing: .failed("HTTP 502"), at: Self.now.addingTimeInterval(240)).actions == [.reportFailure("HTTP 502", first: true)])
    }

    @Test(arguments: ["2026-02-29", "2026-13-01", "2026-12-27T00:00:00Z", "27.12.2026", "", "2026-1-27"])
    func onlyARealDateIsAShutdownDate(_ text: String) {
        #expect(ModelRetirement(model: "m", shutdownDate: text, replacement: nil) == nil)
    }

    @Test func aShutdownDateIsItsUTCMidnight() throws {
        let retirement = try #require(ModelRetirement(model: "gpt-image-2", shutdownDate: "2026-12-27", replacement: nil))
        #expect(retirement.shutdown.timeIntervalSince1970 == 1_798_329_600)
        #expect(retirement.daysLeft(at: retirement.shutdown.addingTimeInterval(-1)) == 1)
        #expect(retirement.statusMention(at: retirement.shutdown.addingTimeInterval(-1)) == "model gpt-image-2 retires 2026-12-27 (1 day)")
        #expect(ModelRetirement(model: "m", shutdownDate: "2024-02-29", replacement: nil) != nil)
    }

    @Test func theModelListIsReadLeniently() throws {
        let body = #"""
            {"object":"list","data":[
              {"id":"gpt-image-2","object":"model","created":1,"owned_by":"system","shutdown_date":"2026-10-23"},
              {"id":"gpt-image-1.5","object":"model","created":1,"owned_by":"system","shutdown_date":null},
              {"id":"dall-e-3","object":"model","created":1,"owned_by":"system"},
              {"id":"odd","shutdown_date":20261023},
              {"object":"model"}
            ]}
            """#
        let dates = try ModelListClient.decode(Array(body.utf8))
        #expect(dates == ["gpt-image-2": "2026-10-23", "gpt-image-1.5": nil, "dall-e-3": nil, "odd": nil])
        #expect(throws: ImageInboxError.self) { try ModelListClient.decode(Array(#"{"error":"nope"}"#.utf8)) }
    }

    @Test func theShutdownDatesAreExportedAndAModelNoLongerInUseGoesAway() {
        let metrics = DaemonMetrics(version: "9.9.9")
        metrics.modelShutdowns(["gpt-image-2": 1_798_329_600, "gpt-image-1.5": 1_796_083_200])
        var page = String(decoding: metrics.render(), as: UTF8.self)
        #expect(page.contains("# TYPE image_inbox_model_shutdown_timestamp_seconds gauge"))
        #expect(page.contains(#"image_inbox_model_shutdown_timestamp_seconds{model="gpt-image-2"} 1798329600.0"#))
        metrics.modelShutdowns(["gpt-image-2": 1_798_329_600])
        page = String(decoding: metrics.render(), as: UTF8.self)
        #expect(!page.contains(#"model="gpt-image-1.5""#))
    }
}
