package import AsyncHTTPClient
package import Logging

extension DaemonConfiguration {
    /// The job runner's part.
    package var runner: JobRunner.Configuration {
        JobRunner.Configuration(
            profile: profile,
            defaults: defaults,
            concurrency: concurrency,
            apiKey: apiKey,
            placeholders: dryRun,
            retry: retry,
            pauseProbeInterval: pauseProbeInterval,
            maximumUSDPerDay: maximumUSDPerDay,
            prices: PriceTable(catalogue: catalogue, provider: provider),
            creditUSD: creditUSD,
            orphanTimeout: orphanTimeout,
            output: output,
            maximumBatchEntries: maximumBatchEntries,
            partsQuietWindow: watch.settle.quietWindow
        )
    }

    /// Where images come from: the offline placeholder renderer for a dry run, else the API.
    ///
    /// - Parameter metrics: Where the API client counts its requests.
    package func makeGenerator(httpClient: HTTPClient, logger: Logger, metrics: DaemonMetrics? = nil) -> any ImageGenerating {
        guard !dryRun, let apiKey else { return PlaceholderGenerator() }
        return ImagesAPIClient(
            configuration: .init(
                profile: profile,
                baseURL: baseURL,
                apiKey: apiKey,
                requestTimeout: requestTimeout,
                responseFormat: responseFormat
            ),
            httpClient: httpClient,
            logger: logger,
            metrics: metrics
        )
    }
}
