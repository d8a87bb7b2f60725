import Foundation
import ImageInbox
import Testing

struct DaemonMetricsTests {
    @Test(arguments: [
        ("127.0.0.1:9464", "127.0.0.1", 9464),
        ("localhost:9100", "127.0.0.1", 9100),
        ("[::1]:9464", "::1", 9464),
        ("0.0.0.0:0", "0.0.0.0", 0),
    ])
    func addressesParse(text: String, host: String, port: Int) throws {
        let address = try #require(MetricsAddress(text))
        #expect(address.host == host && address.port == port)
    }

    @Test(arguments: ["9464", "127.0.0.1", "127.0.0.1:99999", "127.0.0.1:x", "example.com:9464", "::1:9464", "[::1]9464", "300.0.0.1:80"])
    func malformedAddressesAreRefused(text: String) {
        #expect(MetricsAddress(text) == nil)
    }

    @Test func queueStatesAreDisjoint() {
        let jobs = MetricsSnapshot.jobs(fromLedgerCounts: ["queued": 3, "running": 5, "retrying": 2, "waiting": 1, "done": 40])
        #expect(jobs == [.queued: 3, .running: 3, .retrying: 2, .waitingForParts: 1])
    }

    @Test func everyMetricHasHelpAndCountsWhatHappened() throws {
        let metrics = DaemonMetrics(version: "9.9.9")
        metrics.declare(inboxes: ["/srv/design"])
        metrics.requestEnded(provider: "openai", model: "gpt-image-2", endpoint: "generations", status: 200, seconds: 12, uploadedBytes: 300)
        metrics.requestEnded(provider: "openai", model: "gpt-image-2", endpoint: "generations", status: 503, seconds: 0.4, uploadedBytes: 300)
        metrics.requestEnded(provider: "openai", model: "gpt-image-2", endpoint: "edits", status: nil, seconds: 300, uploadedBytes: 5_000_000)
        metrics.jobEnded(inbox: "/srv/design", outcome: .done)
        metrics.spent(usd: 0.25, inbox: "/srv/design")
        var snapshot = MetricsSnapshot()
        snapshot.jobsByInbox = ["/srv/design": MetricsSnapshot.jobs(fromLedgerCounts: ["queued": 7])]
        snapshot.pause = .auth
        snapshot.budgetUSDPerDay = 5
        snapshot.configuredConcurrency = 8
        snapshot.effectiveConcurrency = 4
        metrics.update(snapshot)
        let page = String(decoding: metrics.render(), as: UTF8.self)
        let lines = page.split(separator: "\n").map(String.init)

        for expected in [
            #"image_inbox_build_info{version="9.9.9"} 1.0"#,
            #"image_inbox_api_requests_total{provider="openai",model="gpt-image-2",endpoint="generations",status_class="2xx"} 1"#,
            #"image_inbox_api_requests_total{provider="openai",model="gpt-image-2",endpoint="generations",status_class="5xx"} 1"#,
            #"image_inbox_api_requests_total{provider="openai",model="gpt-image-2",endpoint="edits",status_class="error"} 1"#,
            #"image_inbox_api_uploaded_bytes_total{provider="openai",endpoint="generations"} 600"#,
            #"image_inbox_api_request_duration_seconds_bucket{provider="openai",endpoint="generations",le="1.0"} 1"#,
            #"image_inbox_api_request_duration_seconds_bucket{provider="openai",endpoint="generations",le="20.0"} 2"#,
            #"image_inbox_jobs_total{inbox="/srv/design",outcome="done"} 1"#,
            #"image_inbox_jobs_total{inbox="/srv/design",outcome="failed"} 0"#,
            #"image_inbox_spent_usd_total{inbox="/srv/design"} 0.25"#,
            #"image_inbox_queue_jobs{inbox="/srv/design",state="queued"} 7.0"#,
            #"image_inbox_queue_paused{reason="auth"} 1.0"#,
            #"image_inbox_queue_paused{reason="budget"} 0.0"#,
            "image_inbox_budget_usd_per_day 5.0",
            "image_inbox_concurrency_effective 4.0",
        ] {
            #expect(lines.contains(expected), "missing: \(expected)")
        }
        let typed = Set(lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] })
        let helped = Set(lines.filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] })
        #expect(!typed.isEmpty && typed == helped)
        #expect(!page.contains("/srv/design/"), "no file path is a label")
    }

    @Test func theLedgerCountsEndingsAndDollars() async throws {
        let metrics = DaemonMetrics()
        let ledger = try SQLiteLedger.inMemory(metrics: metrics)
        let now = Date()
        let job = try #require(try await ledger.beginJob(sourcePath: "/in/a.prompt", inbox: "/in", contentHash: "a", kind: "generation", parameters: nil, now: now))
        try await ledger.addCost(jobID: job.id, usd: 0.5, now: now)
        try await ledger.recordSuccess(job, outputs: ["/in/a.png"], usage: APIUsage(usdSpent: 0.25), now: now)
        _ = try await ledger.enqueue(sourcePath: "/in/b.prompt", inbox: "/in", contentHash: "b", kind: "generation", now: now)
        try await ledger.cancelQueuedJobs(sourcePath: "/in/b.prompt", now: now)
        _ = try await ledger.recordFailure(
            sourcePath: "/in/c.prompt", inbox: "/in", contentHash: "c", kind: "generation",
            error: ImageInboxError(code: .invalidParameter, message: "size 'x' is bad"), now: now
        )
        let lines = String(decoding: metrics.render(), as: UTF8.self).split(separator: "\n").map(String.init)
        for expected in [
            #"image_inbox_jobs_total{inbox="/in",outcome="done"} 1"#,
            #"image_inbox_jobs_total{inbox="/in",outcome="cancelled"} 1"#,
            #"image_inbox_jobs_total{inbox="/in",outcome="failed"} 1"#,
            #"image_inbox_spent_usd_total{inbox="/in"} 0.75"#,
        ] {
            #expect(lines.contains(expected), "missing: \(expected)")
        }
        let figures = try await ledger.openJobs(today: now)
        #expect(figures.spentToday == 0.75)
        #expect(figures.counts.isEmpty, "nothing is queued, running or waiting")
    }
}
