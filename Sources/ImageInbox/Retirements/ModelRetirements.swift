package import Foundation

/// Which models in use the provider is retiring, and what to do about it: told what is in use,
/// what `/models` said and what the catalogue knows, with the time, it returns the retirements
/// and the actions; ``ModelRetirementWatch`` acts.
///
/// The thresholds, in whole UTC days before the shutdown date:
/// - ``warningDays`` (90): a journal warning, once per model per UTC day. OpenAI announces
///   shutdowns three to six months ahead, so every model in use gets a quarter's notice.
/// - ``statusDays`` (30): the model is also named on the `STATUS=` line
///   (``ModelRetirement/statusMention(at:)``), where `systemctl status` shows it.
/// - 0 and after: the model is retired; its jobs fail before any request
///   (``RetiringModels/refusal(for:now:)``), and the warning goes on once a day while it is in use.
///
/// The shutdown date is `/models`' (the provider knows best), else the catalogue's; the
/// replacement is the catalogue's. A failed `/models` keeps the last list it gave and is asked
/// again after ``retryInterval``; it is reported once until it answers again.
package struct ModelRetirements: Sendable {
    /// What the catalogue knows of a model.
    package struct Catalogued: Sendable, Equatable {
        /// The model's id in the catalogue (the id `/models` lists, where the one in use is an alias).
        package var id: String
        /// Its shutdown date, `YYYY-MM-DD`, when known.
        package var shutdownDate: String?
        /// The model to move to.
        package var replacement: String?

        package init(id: String, shutdownDate: String? = nil, replacement: String? = nil) {
            self.id = id
            self.shutdownDate = shutdownDate
            self.replacement = replacement
        }
    }

    /// What `/models` answered.
    package enum Listing: Sendable, Equatable {
        /// Model ids and their shutdown dates (empty: the provider has no `/models`, or was not asked).
        case listed([String: String?])
        /// It could not be asked or read, for this reason.
        case failed(String)
    }

    /// What the service does after an assessment.
    package enum Action: Sendable, Equatable {
        /// Log a warning about this model (once per model per UTC day).
        case warn(ModelRetirement)
        /// Say why `/models` failed: at `info` the first time, at `debug` while it goes on failing.
        case reportFailure(String, first: Bool)
    }

    /// One assessment.
    package struct Decision: Sendable, Equatable {
        /// Every model in use with a known shutdown date, soonest first.
        package var retirements: [ModelRetirement]
        /// The shutdown dates `/models` gave last (kept through a failure).
        package var listed: [String: String?]
        /// What to do now.
        package var actions: [Action]
        /// When to assess again.
        package var nextCheck: Duration
    }

    /// Days before the shutdown date from which the journal is warned.
    package static let warningDays = 90
    /// Days before the shutdown date from which the `STATUS=` line names the model.
    package static let statusDays = 30
    /// How long after an assessment the next one is: a day.
    package static let checkInterval: Duration = .seconds(86_400)
    /// How long after a failed `/models` it is asked again.
    package static let retryInterval: Duration = .seconds(3_600)

    private var listed: [String: String?] = [:]
    /// The UTC day each model was last warned of.
    private var warned: [String: Int] = [:]
    private var failing = false

    package init() {}

    /// Assesses the models in use at `now`.
    ///
    /// - Parameters:
    ///   - modelsInUse: The configured model, the folders' models, and the models of recent jobs.
    ///   - catalogue: What the catalogue knows of a model id or alias.
    package mutating func assess(
        modelsInUse: Set<String>,
        listing: Listing,
        catalogue: (String) -> Catalogued?,
        now: Date
    ) -> Decision {
        var actions: [Action] = []
        let nextCheck: Duration
        switch listing {
        case .listed(let dates):
            listed = dates
            failing = false
            nextCheck = Self.checkInterval
        case .failed(let reason):
            actions.append(.reportFailure(reason, first: !failing))
            failing = true
            nextCheck = Self.retryInterval
        }
        let retirements = modelsInUse.compactMap { Self.retirement(of: $0, listed: listed, catalogue: catalogue) }
            .sorted { ($0.shutdownDate, $0.model) < ($1.shutdownDate, $1.model) }
        let today = ModelRetirement.day(of: now)
        for retirement in retirements where retirement.daysLeft(at: now) <= Self.warningDays && warned[retirement.model] != today {
            warned[retirement.model] = today
            actions.append(.warn(retirement))
        }
        return Decision(retirements: retirements, listed: listed, actions: actions, nextCheck: nextCheck)
    }

    /// What is known of `model`'s shutdown: the date `/models` lists for it (or for the
    /// catalogue's id of it), else the catalogue's; nil when neither has a date.
    package static func retirement(of model: String, listed: [String: String?], catalogue: (String) -> Catalogued?) -> ModelRetirement? {
        let known = catalogue(model)
        var dates: [String] = []
        if let listedDate = listed[model] ?? nil { dates.append(listedDate) }
        if let known, let listedDate = listed[known.id] ?? nil { dates.append(listedDate) }
        // The provider is the authority: a model its /models lists without a date still runs
        // there (a compatible server may keep a model OpenAI shut down), whatever the catalogue says.
        let listedAlive = [model, known?.id].compactMap { $0 }.contains { name in listed[name].map { $0 == nil } ?? false }
        if let cataloguedDate = known?.shutdownDate, !listedAlive { dates.append(cataloguedDate) }
        // A date that does not parse is passed over for the next.
        for date in dates {
            if let retirement = ModelRetirement(model: model, shutdownDate: date, replacement: known?.replacement) { return retirement }
        }
        return nil
    }

    /// The notes the `STATUS=` line adds: the models retired, or retiring within ``statusDays``.
    package static func statusNotes(_ retirements: [ModelRetirement], now: Date) -> [String] {
        retirements.filter { $0.daysLeft(at: now) < statusDays }.map { $0.statusMention(at: now) }
    }

    /// How `catalogue` answers for `provider`'s models.
    package static func lookup(in catalogue: ModelCatalogue, provider: ProviderKind) -> @Sendable (String) -> Catalogued? {
        { name in
            catalogue.model(name, provider: provider).map { Catalogued(id: $0.id, shutdownDate: $0.shutdownDate, replacement: $0.replacement) }
        }
    }
}
