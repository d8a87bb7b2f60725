/// An answer whose images are still to be downloaded (`url` results): what the ledger keeps
/// between the answer and the download, so that a crash or stop in between downloads them again
/// at the next start instead of paying for a new generation.
package struct PendingDownload: Sendable, Codable, Equatable {
    /// The result links, in order.
    package var urls: [String]
    /// What the answer reported it cost.
    package var usage: APIUsage
    /// The provider's id of the request (`x-request-id`).
    package var requestID: String?

    package init(urls: [String], usage: APIUsage, requestID: String?) {
        self.urls = urls
        self.usage = usage
        self.requestID = requestID
    }

    /// Told of an answer with `url` results before they are downloaded.
    package typealias Recorder = @Sendable (PendingDownload) async -> Void
}
