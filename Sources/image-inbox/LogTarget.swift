import ArgumentParser
import Foundation
import Logging
import Systemd

/// Where logs go.
enum LogTarget: String, ExpressibleByArgument, CaseIterable {
    /// The journal when systemd connected standard error to it, else standard error.
    case auto
    /// The journal's native protocol, with every metadata key as a field.
    case journal
    /// Readable lines on standard error.
    case stderr

    /// Installs the log handler for `target`.
    static func bootstrap(_ target: LogTarget, level: Logger.Level) {
        let useJournal =
            switch target {
            case .journal: true
            case .stderr: false
            case .auto: JournalLogHandler.isStandardErrorJournal(environment: ProcessInfo.processInfo.environment)
            }
        LoggingSystem.bootstrap { label in
            if useJournal {
                var handler = JournalLogHandler(identifier: "image-inbox")
                handler.logLevel = level
                return handler
            }
            var handler = StandardErrorLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
