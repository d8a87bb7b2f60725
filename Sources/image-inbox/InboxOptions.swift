import ArgumentParser
import Configuration

/// The daemon's own flags, shared by `run` and `check`.
struct InboxOptions: ParsableArguments {
    @Option(name: .customLong("inbox"), help: "An inbox folder (repeat for several).")
    var inboxes: [String] = []

    @Option(name: .long, help: "Requests in flight at once (default 4).")
    var concurrency: Int?

    /// The flags as configuration values, over the file and the environment.
    var values: [AbsoluteConfigKey: ConfigValue] {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        if !inboxes.isEmpty { values["inboxes"] = ConfigValue(.stringArray(inboxes), isSecret: false) }
        if let concurrency { values["concurrency"] = ConfigValue(.int(concurrency), isSecret: false) }
        return values
    }
}
