extension DaemonConfiguration {
    /// The models the configuration itself uses: its `model:` (or `defaults.model`), else the
    /// provider's default.
    package var configuredModels: Set<String> {
        [defaults.model ?? profile.defaultModel]
    }

    /// The retirement watch's part: `/models` is asked with the key, except in a dry run.
    package var retirementWatch: ModelRetirementWatch.Configuration {
        ModelRetirementWatch.Configuration(
            provider: provider,
            baseURL: baseURL,
            apiKey: dryRun ? nil : apiKey,
            configuredModels: configuredModels,
            catalogue: catalogue,
            requestTimeout: min(requestTimeout, .seconds(30))
        )
    }
}
