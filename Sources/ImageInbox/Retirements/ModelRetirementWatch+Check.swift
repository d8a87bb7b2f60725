package import AsyncHTTPClient
package import Logging

extension ModelRetirementWatch {
    /// What `image-inbox check` reports: asks `/models` once and tells which of `models` have a
    /// shutdown date, soonest first, as the daemon would find them.
    ///
    /// - Returns: The retirements, and why `/models` could not be asked when it could not (the
    ///   dates are then the catalogue's alone).
    package static func retirements(
        of models: Set<String>,
        configuration: Configuration,
        httpClient: HTTPClient,
        logger: Logger
    ) async -> (retirements: [ModelRetirement], listFailure: String?) {
        var listed: [String: String?] = [:]
        var failure: String?
        switch await Self.listing(configuration, httpClient: httpClient, logger: logger) {
        case .listed(let dates): listed = dates
        case .failed(let reason): failure = reason
        }
        let lookup = ModelRetirements.lookup(in: configuration.catalogue, provider: configuration.provider)
        let retirements = models.compactMap { ModelRetirements.retirement(of: $0, listed: listed, catalogue: lookup) }
            .sorted { ($0.shutdownDate, $0.model) < ($1.shutdownDate, $1.model) }
        return (retirements, failure)
    }
}
