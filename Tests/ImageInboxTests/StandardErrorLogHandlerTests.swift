import Logging
import Synchronization
import Systemd
import Testing

struct StandardErrorLogHandlerTests {
    struct Refused: Error, CustomStringConvertible {
        var description: String { "refused" }
    }

    /// A logger whose lines are kept instead of written.
    static func recordingLogger() -> (Logger, @Sendable () -> [String]) {
        let lines = Mutex<[String]>([])
        let logger = Logger(label: "image-inbox") { label in
            StandardErrorLogHandler(label: label) { line in lines.withLock { $0.append(line) } }
        }
        return (logger, { lines.withLock { $0 } })
    }

    @Test func linesReadLikeSwiftLogsStreamHandlerWithMetadataSortedByKey() throws {
        let (base, lines) = Self.recordingLogger()
        var logger = base
        logger[metadataKey: "job.id"] = "0a1b2c3d4e5f"
        logger[metadataKey: "file.path"] = "/srv/in/cat.prompt"
        logger.info("Job done", metadata: ["job.usd": "0.04", "job.id": "overridden"])
        let line = try #require(lines().first)
        let timestamp = #/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4} /#
        #expect(line.prefixMatch(of: timestamp) != nil, "\(line)")
        #expect(line.hasSuffix(" info image-inbox: file.path=/srv/in/cat.prompt job.id=overridden job.usd=0.04 [ImageInboxTests] Job done\n"), "\(line)")
    }

    /// A name is shown, never obeyed: a newline in a file's name does not start a line of its own.
    @Test func aNameWithANewlineStaysOnItsLine() throws {
        let (base, lines) = Self.recordingLogger()
        var logger = base
        logger[metadataKey: "file.path"] = "/srv/in/evil\nINJECTED fake line.prompt"
        logger.info("Job done", metadata: ["job.note": "a\r\u{2028}b\u{7F}"])
        let recorded = lines()
        #expect(recorded.count == 1)
        let line = try #require(recorded.first)
        #expect(line.filter { $0 == "\n" }.count == 1 && line.hasSuffix("\n"), "\(line)")
        #expect(line.contains("file.path=/srv/in/evil\\x0AINJECTED fake line.prompt"), "\(line)")
        #expect(line.contains("job.note=a\\x0D\\u{2028}b\\x7F"), "\(line)")
    }

    @Test func aLineWithoutMetadataHasNone() throws {
        let (logger, lines) = Self.recordingLogger()
        logger.notice("Stopping")
        #expect(try #require(lines().first).hasSuffix(" notice image-inbox: [ImageInboxTests] Stopping\n"))
    }

    @Test func anErrorIsNamedWithItsType() throws {
        let (logger, lines) = Self.recordingLogger()
        logger.error("Ledger write failed", error: Refused())
        let line = try #require(lines().first)
        #expect(line.contains("error.message=refused error.type=ImageInboxTests.StandardErrorLogHandlerTests.Refused "), "\(line)")
    }

    @Test func linesBelowTheLevelAreDropped() {
        var (logger, lines) = Self.recordingLogger()
        logger.logLevel = .notice
        logger.info("Job started")
        logger.warning("Job failed")
        #expect(lines().count == 1)
    }
}
