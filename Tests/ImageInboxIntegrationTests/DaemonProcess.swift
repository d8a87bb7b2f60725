import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real `image-inbox` executable, started as a child process against a test's inbox and stub.
/// Only processes it started are signalled, by their PID.
final class DaemonProcess {
    let process = Process()
    let log: URL

    /// The built executable beside the test bundle.
    static var executable: URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        while !directory.path.isEmpty, directory.path != "/" {
            let candidate = directory.appendingPathComponent("image-inbox")
            if FileManager.default.isExecutableFile(atPath: candidate.path), !candidate.hasDirectoryPath { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/image-inbox")
    }

    /// Starts `image-inbox run` with `arguments`, fast settle windows, and its output in `log`.
    init(arguments: [String], log: URL, environment: [String: String] = [:]) throws {
        self.log = log
        process.executableURL = Self.executable
        process.arguments = ["run"] + arguments
        var env = ProcessInfo.processInfo.environment
        env["IMAGE_INBOX_WATCH_SETTLE_SECONDS"] = "0.1"
        env["IMAGE_INBOX_WATCH_QUIET_SECONDS"] = "0.3"
        env["IMAGE_INBOX_CONFIG"] = "/nonexistent/image-inbox-test.yaml"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        try handle.seekToEnd()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// SIGKILL: no chance to clean up, as in a crash or an OOM kill.
    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then waits (bounded) for the exit status.
    func terminate(within timeout: Duration = .seconds(60)) async -> Int32? {
        process.terminate()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            kill()
            return nil
        }
        return process.terminationStatus
    }
}
