import ArgumentParser
import Configuration

/// The daemon's own flags, shared by `run` and `check`.
struct InboxOptions: ParsableArguments {
    @Option(name: .customLong("inbox"), help: "An inbox folder, or NAME=DIR to name it for a shared ledger (repeat for several).")
    var inboxes: [String] = []

    @Option(name: .long, help: "Requests in flight at once (default 4).")
    var concurrency: Int?

    @Option(name: .customLong("metrics-address"), help: "Serve Prometheus metrics at http://HOST:PORT/metrics (e.g. 127.0.0.1:9464; off by default).")
    var metricsAddress: String?

    /// The flags as configuration values, over the file and the environment.
    var values: [AbsoluteConfigKey: ConfigValue] {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        if !inboxes.isEmpty { values["inboxes"] = ConfigValue(.stringArray(inboxes), isSecret: false) }
        if let concurrency { values["concurrency"] = ConfigValue(.int(concurrency), isSecret: false) }
        if let metricsAddress { values["metrics_address"] = ConfigValue(.string(metricsAddress), isSecret: false) }
        return values
    }
}
