import Foundation
import Glibc
import ImageInbox
import Testing

/// Results and notes get the configured mode and group, and a setgid folder's group without one.
struct OutputOwnershipTests {
    /// The group that is not the test's own: root may give any, others only one they are in.
    static var otherGroup: gid_t? {
        if geteuid() == 0 { return getgid() == 100 ? 0 : 100 }
        var groups = [gid_t](repeating: 0, count: 64)
        let count = getgroups(Int32(groups.count), &groups)
        return groups.prefix(Int(max(count, 0))).first { $0 != getegid() }
    }

    static func owner(_ path: String) throws -> (mode: UInt32, group: gid_t) {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        let mode = try #require(attributes[.posixPermissions] as? Int)
        let group = try #require(attributes[.groupOwnerAccountID] as? Int)
        return (UInt32(mode), gid_t(group))
    }

    @Test(.timeLimit(.minutes(1))) func resultsAndErrorNotesGetTheConfiguredModeAndGroup() async throws {
        guard let group = Self.otherGroup else {
            print("skipped: the test's user is in no second group to give results")
            return
        }
        try await DaemonHarness.run { harness in
            try await harness.withDaemon(output: OutputOwnership(mode: 0o640, group: group)) {
                try harness.drop("cat.prompt", "A cat on a windowsill")
                try harness.drop("bad.prompt", "---\nsize: 7x7\n---\nA size no model makes")
                #expect(await eventually { harness.names().contains("cat.png") && harness.names().contains("bad.error.txt") })
            }
            for name in ["cat.png", "bad.error.txt"] {
                let owner = try Self.owner(harness.inbox + "/" + name)
                #expect(owner.mode == 0o640, "\(name): \(String(owner.mode, radix: 8))")
                #expect(owner.group == group, "\(name)")
            }
        }
    }

    @Test(.timeLimit(.minutes(1))) func aSetgidFoldersGroupIsTheDefault() async throws {
        guard let group = Self.otherGroup else {
            print("skipped: the test's user is in no second group to give the folder")
            return
        }
        try await DaemonHarness.run { harness in
            let folder = harness.inbox + "/team"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
            try #require(chown(folder, uid_t.max, group) == 0)
            try #require(chmod(folder, 0o2775) == 0)
            try await harness.withDaemon {
                try harness.drop("team/dog.prompt", "A dog in the snow")
                #expect(await eventually { harness.names(in: "team").contains("dog.png") })
            }
            let owner = try Self.owner(folder + "/dog.png")
            #expect(owner.group == group)
            #expect(owner.mode & 0o777 == 0o664 & ~UInt32(Self.umask), "the mode from the umask: \(String(owner.mode, radix: 8))")
        }
    }

    static var umask: mode_t {
        let current = Glibc.umask(0)
        Glibc.umask(current)
        return current
    }

    @Test(arguments: [("0664", 0o664 as UInt32?), ("664", 0o664), ("0o640", 0o640), ("0600", 0o600), ("4755", nil), ("0888", nil), ("rw-r--r--", nil)])
    func modesParseAsOctal(text: String, mode: UInt32?) {
        #expect(OutputOwnership.mode(from: text) == mode)
    }

    @Test func groupsAreFoundByNameOrId() {
        #expect(OutputOwnership.group(named: "root") == 0)
        #expect(OutputOwnership.group(named: "100") == 100)
        #expect(OutputOwnership.group(named: "no-such-group-here") == nil)
    }
}
