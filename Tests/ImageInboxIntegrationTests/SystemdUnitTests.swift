import Foundation
import Testing

/// The shipped units pass `systemd-analyze verify` and score 2.0 or lower on
/// `systemd-analyze security --offline=yes`.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"), "needs systemd-analyze"))
struct SystemdUnitTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The units, copied with `ExecStart=` pointing at the built executable (verify checks it exists).
    func installedCopies() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for unit in ["image-inbox.service", "image-inbox@.service"] {
            let text = try String(contentsOf: Self.repository.appendingPathComponent("systemd/" + unit), encoding: .utf8)
            try text.replacingOccurrences(of: "/usr/local/bin/image-inbox", with: DaemonProcess.executable.path)
                .write(to: folder.appendingPathComponent(unit), atomically: true, encoding: .utf8)
        }
        return folder
    }

    func analyze(_ arguments: [String], in folder: URL) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-analyze")
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func everyUnitVerifiesClean() throws {
        let folder = try installedCopies()
        let result = try analyze(["verify", "image-inbox.service", "image-inbox@.service", "image-inbox@posters.service"], in: folder)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(result.output)")
    }

    @Test(arguments: ["image-inbox.service", "image-inbox@.service"])
    func theExposureIsTwoOrLower(unit: String) throws {
        let folder = try installedCopies()
        let result = try analyze(["security", "--offline=yes", unit], in: folder)
        let line = try #require(result.output.split(separator: "\n").first { $0.contains("Overall exposure level") }, "\(result.output)")
        let score = try #require(line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) }, "\(line)")
        #expect(score <= 2.0, "\(line)")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-tmpfiles")))
    func sysusersThenTmpfilesCreateTheUserAndFolders() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("root-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("etc"), withIntermediateDirectories: true)
        for (tool, arguments) in [
            ("/usr/bin/systemd-sysusers", [Self.repository.appendingPathComponent("systemd/image-inbox.sysusers.conf").path]),
            ("/usr/bin/systemd-tmpfiles", ["--create", Self.repository.appendingPathComponent("systemd/image-inbox.tmpfiles.conf").path]),
        ] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = ["--root=\(root.path)"] + arguments
            let pipe = Pipe()
            process.standardError = pipe
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(tool): \(output)")
        }
        let passwd = try String(contentsOf: root.appendingPathComponent("etc/passwd"), encoding: .utf8)
        #expect(passwd.contains("image-inbox:"))
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("srv/image-inbox").path, isDirectory: &isDirectory) && isDirectory.boolValue)
    }
}
