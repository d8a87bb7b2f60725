package import Foundation
import Synchronization

/// The latest facts about models that retire, shared between ``ModelRetirementWatch``, which
/// sets them, and whoever asks: the `STATUS=` line's notes, and the runner, which refuses a job
/// for a model that is already shut down before it pays for a request that cannot succeed.
///
/// A refusal looks at every model `/models` listed and every model the catalogue knows, not only
/// those in use at the last check: a job's front matter may name any model.
package final class RetiringModels: Sendable {
    private struct State {
        var listed: [String: String?] = [:]
        var inUse: [ModelRetirement] = []
        var catalogue: @Sendable (String) -> ModelRetirements.Catalogued?
    }

    private let state: Mutex<State>

    /// Facts that start from the catalogue alone (before `/models` was asked).
    package convenience init(catalogue: ModelCatalogue, provider: ProviderKind) {
        self.init(lookup: ModelRetirements.lookup(in: catalogue, provider: provider))
    }

    /// Facts whose catalogue is `lookup`.
    package init(lookup: @escaping @Sendable (String) -> ModelRetirements.Catalogued?) {
        state = Mutex(State(catalogue: lookup))
    }

    /// Replaces the facts with an assessment's.
    package func update(listed: [String: String?], inUse: [ModelRetirement]) {
        state.withLock { state in
            state.listed = listed
            state.inUse = inUse
        }
    }

    /// Uses another catalogue (a reload changed the configuration's `models:` or the provider).
    package func reconfigure(catalogue: ModelCatalogue, provider: ProviderKind) {
        let lookup = ModelRetirements.lookup(in: catalogue, provider: provider)
        state.withLock { $0.catalogue = lookup }
    }

    /// The models in use with a known shutdown date, soonest first.
    package var retirements: [ModelRetirement] {
        state.withLock { $0.inUse }
    }

    /// The notes the `STATUS=` line adds at `now` (see ``ModelRetirements/statusNotes(_:now:)``).
    package func statusNotes(now: Date) -> [String] {
        ModelRetirements.statusNotes(retirements, now: now)
    }

    /// What is known of `model`'s shutdown now.
    package func retirement(of model: String) -> ModelRetirement? {
        let (listed, catalogue) = state.withLock { ($0.listed, $0.catalogue) }
        return ModelRetirements.retirement(of: model, listed: listed, catalogue: catalogue)
    }

    /// Why a job for `model` must not be sent at `now`: the model was shut down. Nil while it
    /// runs, or when nothing is known of its shutdown.
    ///
    /// - Returns: ``ImageInboxError`` `modelNotFound`, naming the model, the date and what to
    ///   use instead.
    package func refusal(for model: String, now: Date) -> ImageInboxError? {
        guard let retirement = retirement(of: model), retirement.isRetired(at: now) else { return nil }
        let instead = retirement.replacement.map { "use '\($0)' instead" } ?? "choose another model"
        return ImageInboxError(
            code: .modelNotFound,
            message: "The model '\(model)' was shut down on \(retirement.shutdownDate); \(instead) "
                + "(set model: in the front matter or the folder's image-inbox.yaml)."
        )
    }
}
