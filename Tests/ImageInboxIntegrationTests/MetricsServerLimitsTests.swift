import Foundation
import ImageInbox
import ImageInboxTestSupport
import Logging
import ServiceLifecycle
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Whoever reaches the metrics port holds no more than ``MetricsServer/Limits`` allows: a flood
/// of idle connections stops neither the images nor the scrapes, and what is not a scrape is
/// answered and let go.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct MetricsServerLimitsTests {
    /// What the in-process servers serve.
    static let page = Array("image_inbox_build_info{version=\"test\"} 1\n".utf8)

    var logger: Logger {
        var logger = Logger(label: "metrics-limits-test")
        logger.logLevel = .critical
        return logger
    }

    @Test func aFloodOfIdleConnectionsStopsNeitherTheImagesNorTheScrapes() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("image-inbox-metrics-\(UUID().uuidString)").path
        let inbox = root + "/inbox"
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let stub = try await ImagesAPIStub.start()
        try Data(stub.apiKey.utf8).write(to: URL(fileURLWithPath: root + "/api-key"))
        let log = URL(fileURLWithPath: root + "/daemon.log")
        var daemonLog: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        #expect(FileManager.default.isExecutableFile(atPath: DaemonProcess.executable.path), "build the executable first (swift build)")
        let daemon = try DaemonProcess(
            arguments: [
                "--inbox", inbox, "--provider", "aimlapi", "--base-url", stub.baseURL, "--api-key-file", root + "/api-key",
                "--state-dir", root + "/state", "--metrics-address", "127.0.0.1:0",
            ],
            log: log
        )
        var flood: [LoopbackConnection] = []
        do {
            guard await eventually(timeout: .seconds(30), { Self.metricsPort(in: daemonLog) != nil }), let port = Self.metricsPort(in: daemonLog) else {
                Issue.record("no metrics port in the log\n\(daemonLog.suffix(2000))")
                _ = await daemon.terminate()
                await stub.stop()
                return
            }
            let pid = daemon.process.processIdentifier
            // As under systemd without LimitNOFILE: the soft limit 1,121 connections once exhausted.
            try Self.setOpenFileLimit(of: pid, to: 1_024)
            let ownLimit = Self.raiseOpenFileLimit(to: Self.openDescriptors(of: getpid()) + 1_700)
            try #require(ownLimit >= Self.openDescriptors(of: getpid()) + 1_600, "the test needs 1,600 more descriptors; its limit is \(ownLimit)")

            let baseline = Self.openDescriptors(of: pid)
            var mostOpen = baseline
            for index in 0..<1_500 {
                let connection = try LoopbackConnection(port: port)
                flood.append(connection)
                if index.isMultiple(of: 100) { mostOpen = max(mostOpen, Self.openDescriptors(of: pid)) }
            }
            mostOpen = max(mostOpen, Self.openDescriptors(of: pid))
            // The cap of 64, and room for displaced connections whose close is still on its way:
            // without the cap the daemon holds every connection, up to its limit.
            #expect(mostOpen <= baseline + 64 + 128, "the daemon held \(mostOpen - baseline) more descriptors during the flood")
            // The test's own guard: the flood reached the server, which let go of all but the newest.
            #expect(await eventually { LoopbackConnection.closedByServer(flood) >= 1_500 - 64 })

            for index in 1...5 {
                try Data("Picture \(index) of 5".utf8).write(to: URL(fileURLWithPath: inbox + "/p\(index).prompt"))
            }
            let made = await eventually(timeout: .seconds(60)) {
                (1...5).allSatisfy { FileManager.default.fileExists(atPath: inbox + "/p\($0).png") }
            }
            #expect(made, "\(daemonLog.suffix(2000))")

            let scrape = try LoopbackConnection.exchange(port: port, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", within: .seconds(3))
            #expect(scrape?.hasPrefix("HTTP/1.1 200") == true, "\(scrape ?? "no answer within 3 s")")
            #expect(scrape?.contains("image_inbox_jobs_total") == true)
            #expect(!daemonLog.contains("Too many open files"), "\(daemonLog.suffix(2000))")
        } catch {
            for connection in flood { connection.close() }
            _ = await daemon.terminate()
            await stub.stop()
            throw error
        }
        for connection in flood { connection.close() }
        #expect(await daemon.terminate() == 0, "\(daemonLog.suffix(2000))")
        await stub.stop()
    }

    @Test func aScrapeGetsThePageAndHeadItsHeadersOnly() async throws {
        try await withServer { port in
            let get = try LoopbackConnection.exchange(port: port, "GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            #expect(get?.hasPrefix("HTTP/1.1 200") == true, "\(get ?? "no answer")")
            #expect(get?.hasSuffix("\r\n\r\n" + String(decoding: Self.page, as: UTF8.self)) == true, "\(get ?? "")")
            let head = try LoopbackConnection.exchange(port: port, "HEAD /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            #expect(head?.hasPrefix("HTTP/1.1 200") == true, "\(head ?? "no answer")")
            #expect(head?.lowercased().contains("content-length: \(Self.page.count)\r\n") == true, "\(head ?? "")")
            #expect(head?.hasSuffix("\r\n\r\n") == true, "no body: \(head ?? "")")
        }
    }

    @Test func aMethodOtherThanGetOrHeadIsAnswered405() async throws {
        try await withServer { port in
            for method in ["POST", "PUT", "DELETE", "OPTIONS"] {
                let answer = try LoopbackConnection.exchange(port: port, "\(method) /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                #expect(answer?.hasPrefix("HTTP/1.1 405") == true, "\(method): \(answer ?? "no answer")")
                #expect(answer?.contains("Allow: GET, HEAD\r\n") == true, "\(method): \(answer ?? "")")
            }
        }
    }

    @Test func aPathOtherThanMetricsIsAnswered404() async throws {
        try await withServer { port in
            for target in ["/", "/metrics/", "/metricsx", "/favicon.ico"] {
                let answer = try LoopbackConnection.exchange(port: port, "GET \(target) HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                #expect(answer?.hasPrefix("HTTP/1.1 404") == true, "\(target): \(answer ?? "no answer")")
            }
        }
    }

    @Test func anOversizedRequestHeadIsRefusedAndClosed() async throws {
        try await withServer { port in
            let fitting = "GET /metrics HTTP/1.1\r\nHost: a\r\nX-Filler: \(String(repeating: "a", count: 4_000))\r\nConnection: close\r\n\r\n"
            let fits = try LoopbackConnection.exchange(port: port, fitting)
            #expect(fits?.hasPrefix("HTTP/1.1 200") == true, "\(fits ?? "no answer")")
            let oversized = "GET /metrics HTTP/1.1\r\nHost: a\r\nX-Filler: \(String(repeating: "a", count: 16_000))\r\n\r\n"
            // Closed either way; the 400 before the close may be lost to the reset of the unread rest.
            let refused = try LoopbackConnection.exchange(port: port, oversized)
            #expect(refused != nil, "still open")
            #expect(refused?.isEmpty == true || refused?.hasPrefix("HTTP/1.1 400") == true, "\(refused ?? "")")
        }
    }

    @Test func aScrapeWithABodyIsAnswered413AndClosed() async throws {
        try await withServer { port in
            for framing in ["Content-Length: 5\r\n\r\nhello", "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"] {
                // Keep-alive asked for: the close is the server's own.
                let answer = try LoopbackConnection.exchange(port: port, "GET /metrics HTTP/1.1\r\nHost: a\r\n\(framing)")
                #expect(answer?.hasPrefix("HTTP/1.1 413") == true, "\(framing): \(answer ?? "no answer, or still open")")
            }
            let empty = try LoopbackConnection.exchange(port: port, "GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            #expect(empty?.hasPrefix("HTTP/1.1 200") == true, "\(empty ?? "no answer")")
        }
    }

    @Test func aConnectionWithoutACompleteRequestIsClosedAtTheIdleTimeout() async throws {
        try await withServer(limits: .init(idleTimeout: .milliseconds(300))) { port in
            let silent = try LoopbackConnection(port: port)
            defer { silent.close() }
            let trickling = try LoopbackConnection(port: port)
            defer { trickling.close() }
            #expect(trickling.send("GET /met"))
            #expect(silent.readToEnd(within: .seconds(10))?.isEmpty == true, "closed without a word")
            #expect(trickling.readToEnd(within: .seconds(10))?.isEmpty == true, "bytes do not extend the deadline")
        }
    }

    @Test func atTheCapANewConnectionDisplacesTheOneWaitingLongest() async throws {
        try await withServer(limits: .init(maximumConnections: 2, idleTimeout: .seconds(60))) { port in
            let first = try LoopbackConnection(port: port)
            defer { first.close() }
            let second = try LoopbackConnection(port: port)
            defer { second.close() }
            let third = try LoopbackConnection(port: port)
            defer { third.close() }
            #expect(first.readToEnd(within: .seconds(10))?.isEmpty == true, "the first, waiting longest, was displaced")

            // Answered, the second now waits less than the third, opened after it.
            #expect(second.send("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n"))
            let answer = second.readResponse(within: .seconds(3))
            #expect(answer?.hasPrefix("HTTP/1.1 200") == true, "\(answer ?? "no answer")")
            let fourth = try LoopbackConnection(port: port)
            defer { fourth.close() }
            #expect(third.readToEnd(within: .seconds(10))?.isEmpty == true, "the third, waiting longest now, was displaced")
            let again = second.exchange("GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", within: .seconds(3))
            #expect(again?.hasPrefix("HTTP/1.1 200") == true, "the second stayed open: \(again ?? "no answer")")
        }
    }

    @Test func atTheCapWithEveryRequestBeingAnsweredANewConnectionIsClosed() async throws {
        let rendering = Mutex(false)
        let (release, releasing) = AsyncStream.makeStream(of: Void.self)
        defer { releasing.finish() }
        let render: @Sendable () async -> [UInt8] = {
            rendering.withLock { $0 = true }
            for await _ in release { break }
            return Self.page
        }
        try await withServer(limits: .init(maximumConnections: 1), render: render) { port in
            let scrape = try LoopbackConnection(port: port)
            defer { scrape.close() }
            #expect(scrape.send("GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"))
            #expect(await eventually { rendering.withLock { $0 } })
            let newcomer = try LoopbackConnection(port: port)
            defer { newcomer.close() }
            #expect(newcomer.readToEnd(within: .seconds(10)) == [], "refused: the one place is answering")
            releasing.yield()
            let answer = scrape.readToEnd(within: .seconds(3)).map { String(decoding: $0, as: UTF8.self) }
            #expect(answer?.hasPrefix("HTTP/1.1 200") == true, "\(answer ?? "no answer")")
        }
    }

    /// Runs a metrics server with `limits` on a port of its choosing while `body` runs.
    func withServer(
        limits: MetricsServer.Limits = .init(),
        render: @escaping @Sendable () async -> [UInt8] = { MetricsServerLimitsTests.page },
        _ body: (_ port: Int) async throws -> Void
    ) async throws {
        let bound = Mutex<Int?>(nil)
        let address = try #require(MetricsAddress("127.0.0.1:0"))
        let server = MetricsServer(
            address: address,
            limits: limits,
            logger: logger,
            onBound: { port in bound.withLock { $0 = port } },
            render: render
        )
        let group = ServiceGroup(services: [server], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                #expect(await eventually(timeout: .seconds(10)) { bound.withLock { $0 } != nil })
                let port = try #require(bound.withLock { $0 })
                try await body(port)
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// The port in the daemon's `Serving metrics` line: `metrics.url=http://127.0.0.1:PORT/metrics`.
    static func metricsPort(in log: String) -> Int? {
        guard let start = log.range(of: "metrics.url=http://127.0.0.1:")?.upperBound else { return nil }
        return Int(log[start...].prefix { $0.isNumber })
    }

    /// The descriptors `pid` has open.
    static func openDescriptors(of pid: pid_t) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
    }

    /// Raises this process's soft limit on open files to `wanted`, or to its hard limit if lower.
    ///
    /// - Returns: The soft limit now.
    static func raiseOpenFileLimit(to wanted: Int) -> Int {
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return 0 }
        if limit.rlim_cur < rlim_t(wanted) {
            limit.rlim_cur = min(rlim_t(wanted), limit.rlim_max)
            _ = setrlimit(resource, &limit)
            _ = getrlimit(resource, &limit)
        }
        return Int(clamping: limit.rlim_cur)
    }

    /// Sets the soft limit on open files of `pid`, a child already started, with util-linux's
    /// `prlimit` (Glibc's `prlimit()` is not visible to Swift); without the tool, the child
    /// keeps this process's limit.
    static func setOpenFileLimit(of pid: pid_t, to soft: Int) throws {
        let tool = "/usr/bin/prlimit"
        guard FileManager.default.isExecutableFile(atPath: tool) else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["--pid", "\(pid)", "--nofile=\(soft):"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "prlimit --pid \(pid) --nofile=\(soft): failed")
    }
}

/// A TCP connection to 127.0.0.1 made with plain sockets, every wait on it bounded.
struct LoopbackConnection {
    /// The socket.
    let fd: Int32

    /// Connects to 127.0.0.1:`port`; the connect and each later write wait at most `timeout`.
    init(port: Int, timeout: Duration = .seconds(5)) throws {
        fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        // On Linux the send timeout bounds a blocking connect too.
        var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        _ = Glibc.setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        address.sin_addr = in_addr(s_addr: in_addr_t(0x7F00_0001).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            Glibc.close(fd)
            throw POSIXError(.init(rawValue: code) ?? .EIO)
        }
    }

    /// Connects, sends `request`, and returns what arrives up to the server's close within
    /// `timeout` (nil when it is still open then).
    static func exchange(port: Int, _ request: String, within timeout: Duration = .seconds(3)) throws -> String? {
        let connection = try LoopbackConnection(port: port)
        defer { connection.close() }
        return connection.exchange(request, within: timeout)
    }

    /// Sends `request` and returns what arrives up to the server's close within `timeout` (nil
    /// when it is still open then). A failed send is not checked: the server may have closed early.
    func exchange(_ request: String, within timeout: Duration) -> String? {
        send(request)
        return readToEnd(within: timeout).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Writes all of `text`; false when the connection refused it (closed, or full for too long).
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            sent += count
        }
        return true
    }

    /// What arrives until the server closes the connection (a reset keeps what came before it);
    /// nil when it is still open after `timeout`.
    func readToEnd(within timeout: Duration) -> [UInt8]? {
        read(within: timeout) { _ in false }.flatMap { $0.closed ? $0.bytes : nil }
    }

    /// One keep-alive response, its head and `Content-Length` bytes of body; nil when it did not
    /// arrive whole within `timeout`.
    func readResponse(within timeout: Duration) -> String? {
        let result = read(within: timeout) { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            guard let headEnd = text.range(of: "\r\n\r\n") else { return false }
            let lines = text[..<headEnd.lowerBound].lowercased().components(separatedBy: "\r\n")
            let lengthLine = lines.first { $0.hasPrefix("content-length:") }
            let length = lengthLine.flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            return text[headEnd.upperBound...].utf8.count >= length
        }
        guard let result, !result.closed else { return nil }
        return String(decoding: result.bytes, as: UTF8.self)
    }

    /// Closes the socket.
    func close() {
        Glibc.close(fd)
    }

    /// How many of `connections` the server has closed: at end of stream, or reset.
    static func closedByServer(_ connections: [LoopbackConnection]) -> Int {
        var descriptors = connections.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        guard Glibc.poll(&descriptors, nfds_t(descriptors.count), 0) > 0 else { return 0 }
        var closed = 0
        var byte: UInt8 = 0
        for descriptor in descriptors where descriptor.revents != 0 {
            let count = Glibc.recv(descriptor.fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
            if count == 0 || (count < 0 && errno != EAGAIN) { closed += 1 }
        }
        return closed
    }

    /// Reads until `isComplete` holds for what arrived or the server closes, for at most `timeout`.
    private func read(within timeout: Duration, until isComplete: ([UInt8]) -> Bool) -> (bytes: [UInt8], closed: Bool)? {
        let deadline = ContinuousClock.now + timeout
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while !isComplete(received) {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return nil }
            let milliseconds = remaining.components.seconds * 1_000 + remaining.components.attoseconds / 1_000_000_000_000_000
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = Glibc.poll(&descriptor, 1, Int32(clamping: max(1, milliseconds)))
            guard ready > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received += buffer[..<count]
            } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                return (received, true)
            }
        }
        return (received, false)
    }
}
