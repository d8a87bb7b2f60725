import Logging
import Synchronization

extension JobRunner {
    /// Checks `model` before its job is recorded: refused when it was shut down
    /// (``RetiringModels``, the note naming its replacement), and said once in the journal when
    /// the catalogue does not know it: it is sent as named (the provider decides), its cost
    /// estimated at the catalogue's highest prices until the configuration's `models:` prices it.
    func checkModel(_ model: String) throws(ImageInboxError) {
        if let refusal = configuration.retiringModels?.refusal(for: model, now: now()) { throw refusal }
        let profile = configuration.profile
        guard profile.entry(for: model) == nil, unknownModelsNoted.withLock({ $0.insert(model).inserted }) else { return }
        logger.notice(
            "Model not in the catalogue, sent as named; its cost is estimated at the highest prices until models: in the configuration prices it",
            metadata: ["job.model": "\(model)", "provider": "\(profile.kind.rawValue)", "priced": "\(configuration.prices.isPriced(model))"]
        )
    }
}
