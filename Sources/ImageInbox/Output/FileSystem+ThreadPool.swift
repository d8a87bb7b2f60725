import NIOPosix

extension FileSystem {
    /// Runs blocking file system work (reads, writes, fsync) on NIO's blocking thread pool, so
    /// that a slow disk or share never stalls Swift's cooperative pool and the HTTP client on it.
    package static func offloaded<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        do {
            return try await NIOThreadPool.singleton.runIfActive(work)
        } catch {
            // Only a pool that was shut down refuses work, and the singleton never is.
            return work()
        }
    }
}
