import Logging
import RawFileNames
import Systemd
import Synchronization
import Testing

struct JournalFieldsTests {
    @Test func aFileNamesBytesThatAreNotUTF8ReadAsEscapesInTheMessageAndFields() {
        let path = "/srv/in/" + RawFileName.decode(Array("caf".utf8) + [0xE9] + Array(".prompt".utf8))
        let fields = JournalFields.make(
            level: .warning, message: "Can't read \(path)", metadata: ["file.path": "\(path)"], identifier: "image-inbox",
            file: "f.swift", function: "f()", line: 1
        )
        let byName = Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.value) })
        #expect(byName["MESSAGE"] == "Can't read /srv/in/caf\\xE9.prompt")
        #expect(byName["IMAGE_INBOX_SOURCE"] == "/srv/in/caf\\xE9.prompt")
    }

    @Test func aFileNamesControlCharactersReadAsEscapesInTheMessageAndFields() {
        let path = "/srv/in/evil\nINJECTED fake line.prompt"
        let fields = JournalFields.make(
            level: .warning, message: "Can't read \(path)", metadata: ["file.path": "\(path)"], identifier: "image-inbox",
            file: "f.swift", function: "f()", line: 1
        )
        let byName = Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.value) })
        #expect(byName["MESSAGE"] == "Can't read /srv/in/evil\\x0AINJECTED fake line.prompt")
        #expect(byName["IMAGE_INBOX_SOURCE"] == "/srv/in/evil\\x0AINJECTED fake line.prompt")
    }

    @Test func metadataBecomesPrefixedUpperCaseFieldsWithShortNamesForJobs() {
        let fields = JournalFields.make(
            level: .warning,
            message: "Job failed, reported in the folder",
            metadata: ["job.id": "0a1b2c3d4e5f", "file.path": "/srv/in/cat.prompt", "job.model": "openai/gpt-image-2", "job.usd": "0.04", "http.status": "500"],
            identifier: "image-inbox",
            file: "ImageInbox/JobRunner.swift",
            function: "fail(_:)",
            line: 42
        )
        let byName = Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.value) })
        #expect(byName["MESSAGE"] == "Job failed, reported in the folder")
        #expect(byName["PRIORITY"] == "4")
        #expect(byName["SYSLOG_IDENTIFIER"] == "image-inbox")
        #expect(byName["CODE_FILE"] == "ImageInbox/JobRunner.swift")
        #expect(byName["CODE_LINE"] == "42")
        #expect(byName["CODE_FUNC"] == "fail(_:)")
        #expect(byName["IMAGE_INBOX_JOB"] == "0a1b2c3d4e5f")
        #expect(byName["IMAGE_INBOX_SOURCE"] == "/srv/in/cat.prompt")
        #expect(byName["IMAGE_INBOX_MODEL"] == "openai/gpt-image-2")
        #expect(byName["IMAGE_INBOX_USD"] == "0.04")
        #expect(byName["IMAGE_INBOX_HTTP_STATUS"] == "500")
    }

    @Test(arguments: [(Logger.Level.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2)])
    func levelsMapToSyslogPriorities(level: Logger.Level, priority: Int) {
        #expect(JournalFields.priority(of: level) == priority)
    }

    @Test func fieldNamesStayWithinTheJournalsRules() {
        #expect(JournalFields.fieldName(for: "watch.reason-ä") == "IMAGE_INBOX_WATCH_REASON__")
        #expect(JournalFields.fieldName(for: String(repeating: "x", count: 100)).count == 64)
    }

    @Test func theHandlerMergesItsMetadataWithTheCallsAndSendsEveryField() {
        let sent = Sent()
        var handler = JournalLogHandler(identifier: "image-inbox") { fields in sent.fields.withLock { $0.append(fields) } }
        handler[metadataKey: "job.id"] = "abc"
        var logger = Logger(label: "test", factory: { _ in handler })
        logger.logLevel = .debug
        logger.info("Job done", metadata: ["job.outputs": "cat.png"])
        let fields = sent.fields.withLock { $0 }.first ?? []
        #expect(fields.contains { $0 == ("IMAGE_INBOX_JOB", "abc") })
        #expect(fields.contains { $0 == ("IMAGE_INBOX_JOB_OUTPUTS", "cat.png") })
        #expect(fields.contains { $0.name == "CODE_LINE" })
    }

    @Test func standardErrorIsTheJournalOnlyWhenJournalStreamNamesIt() {
        #expect(!JournalLogHandler.isStandardErrorJournal(environment: [:]))
        #expect(!JournalLogHandler.isStandardErrorJournal(environment: ["JOURNAL_STREAM": "1:2"]))
        #expect(!JournalLogHandler.isStandardErrorJournal(environment: ["JOURNAL_STREAM": "garbage"]))
    }

    private final class Sent: Sendable {
        let fields = Mutex<[[(name: String, value: String)]]>([])
    }
}
