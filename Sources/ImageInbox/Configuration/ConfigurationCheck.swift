package import Foundation
import Glibc

/// What `image-inbox check` finds: each inbox's folder, permissions and watch mode, the key, the
/// state directory, a shared ledger's connection and the inotify limits, as findings a person reads.
package struct ConfigurationCheck: Sendable {
    /// One thing checked.
    package struct Finding: Sendable, Equatable {
        /// How much a finding matters; its raw value is how `check` labels it.
        package enum Severity: String, Sendable {
            /// As it should be.
            case ok
            /// It works, but less safely than it could; the text says what to change.
            case warning
            /// It stops the daemon from working.
            case problem
        }

        /// How much it matters.
        package var severity: Severity
        /// What was found, and the remedy when it is not ok.
        package var text: String

        /// Whether it stops the daemon from working.
        package var isProblem: Bool { severity == .problem }
    }

    /// Everything found, in order.
    package private(set) var findings: [Finding] = []

    /// Whether anything is a problem.
    package var hasProblems: Bool { findings.contains(where: \.isProblem) }

    /// Checks a configuration that loaded (and therefore validated).
    ///
    /// - Parameter inotifyLimitsDirectory: Where `max_user_watches` and `max_user_instances` are
    ///   read (`/proc/sys/fs/inotify`).
    package init(_ configuration: DaemonConfiguration, inotifyLimitsDirectory: String = "/proc/sys/fs/inotify") {
        ok("configuration is valid: provider \(configuration.provider.rawValue) at \(configuration.baseURL)")
        if configuration.dryRun {
            ok("dry run: placeholders are made offline, no API key needed")
        } else if configuration.apiKey != nil {
            ok("API key present (\(configuration.apiKey!.value.count) characters)")
        }
        let conflicts = InstanceLock.conflicts(stateDirectory: configuration.stateDirectory, inboxes: configuration.inboxes)
        for conflict in conflicts { problem(conflict) }
        if conflicts.isEmpty { ok("no other image-inbox uses the state directory or watches these inboxes") }
        var inotifyInboxes = 0
        for inbox in configuration.inboxes {
            let (mode, reason) = configuration.watch.mode.effectiveMode(for: inbox)
            if mode == .inotify { inotifyInboxes += 1 }
            if access(inbox, R_OK | W_OK | X_OK) == 0 {
                ok("inbox \(inbox): readable and writable; watched with \(mode.rawValue) (\(reason))")
                for mount in MountTable.current().mounts where mode == .inotify && configuration.watch.mode == .auto && mount.mountPoint.hasPrefix(inbox + "/") {
                    if let type = WatchMode.remoteType(mount.type) {
                        ok("mount \(mount.mountPoint) inside inbox \(inbox): polled (\(type) file system: inotify does not see other machines' writes there)")
                    }
                }
            } else {
                problem("inbox \(inbox): \(String(cString: strerror(errno))); the daemon's user needs read and write permission there")
            }
        }
        checkStateDirectory(configuration.stateDirectory, ledgerIsShared: configuration.ledgerURL != nil)
        if let url = configuration.ledgerURL { checkLedgerConnection(url) }
        if let group = configuration.output.group {
            checkOutputGroup(group, named: configuration.outputGroupName ?? String(group))
        }
        if let address = configuration.metricsAddress {
            ok("metrics served at http://\(address)/metrics")
        }
        if inotifyInboxes > 0, let text = try? String(contentsOfFile: inotifyLimitsDirectory + "/max_user_watches", encoding: .utf8),
            let watches = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            let folders = configuration.inboxes.reduce(0) { $0 + Self.folderCount(below: $1, limit: watches + 1) }
            if folders >= watches {
                problem("inotify: \(folders) folders to watch but fs.inotify.max_user_watches is \(watches); raise it with 'sysctl fs.inotify.max_user_watches=524288' (those past the limit are polled)")
            } else {
                ok("inotify: \(folders) folders to watch, fs.inotify.max_user_watches is \(watches)")
            }
        }
    }

    /// Adds what is known of the shutdown of the models in use: a warning for each that has a
    /// date, and a problem for a configured model already shut down (every job would fail).
    ///
    /// - Parameters:
    ///   - retirements: The models in use with a shutdown date (``ModelRetirements/retirement(of:listed:catalogue:)``).
    ///   - configured: The models the configuration itself uses.
    ///   - listFailure: Why `/models` could not be asked, if it could not: the dates are then the catalogue's.
    package mutating func checkModels(_ retirements: [ModelRetirement], configured: Set<String>, listFailure: String?, now: Date) {
        if let listFailure {
            warning("can't list the images API's models (\(listFailure)); the shutdown dates below are the model catalogue's")
        }
        for retirement in retirements {
            if retirement.isRetired(at: now) && configured.contains(retirement.model) {
                problem("\(retirement.notice(at: now)); change model: in the configuration")
            } else {
                warning(retirement.notice(at: now))
            }
        }
        if retirements.isEmpty {
            ok("no shutdown is announced for the models in use")
        }
    }

    /// Whether the daemon's user may give results `group`: root may, others only a group they are
    /// in. Run as root (`sudo image-inbox check`), the service's user `image-inbox` is judged.
    private mutating func checkOutputGroup(_ group: UInt32, named name: String) {
        let userName: String
        let primaryGroup: gid_t
        if geteuid() == 0, let service = getpwnam("image-inbox") {
            (userName, primaryGroup) = ("image-inbox", service.pointee.pw_gid)
        } else if let me = getpwuid(geteuid()) {
            if geteuid() == 0 {
                ok("output.group \(name): root may give results any group")
                return
            }
            (userName, primaryGroup) = (String(cString: me.pointee.pw_name), me.pointee.pw_gid)
        } else {
            return
        }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(userName, primaryGroup, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            _ = getgrouplist(userName, primaryGroup, &groups, &count)
        }
        if groups.prefix(Int(count)).contains(gid_t(group)) {
            ok("output.group \(name): \(userName) is in it, so results and notes get it")
        } else {
            problem(
                "output.group \(name): \(userName) is not in it, so results and notes would keep their default group; "
                    + "add it with 'usermod -aG \(name) \(userName)' (then restart the service), or make the folders setgid to that group instead"
            )
        }
    }

    private mutating func checkStateDirectory(_ directory: String, ledgerIsShared: Bool) {
        var existing = directory
        while !FileManager.default.fileExists(atPath: existing), existing != "/" {
            existing = SourceName(path: existing).directory
        }
        if access(existing, W_OK | X_OK) == 0 {
            ok("state directory \(directory): writable (\(ledgerIsShared ? "the daemon's lock and held results live there; the job ledger is shared" : "the job ledger lives there"))")
        } else {
            problem("state directory \(directory): not writable; set state_dir or fix its permissions")
        }
    }

    /// How the shared ledger's connection is protected, and where its password is written. A
    /// server on this machine needs no TLS: nobody else is on the path.
    private mutating func checkLedgerConnection(_ url: LedgerURL) {
        let tls = url.tls
        let mode = "sslmode=\(url.tlsMode.rawValue)"
        let remedy = "use sslmode=verify-full, with sslrootcert=FILE naming the CA that signed the server's certificate"
        if url.isLoopback {
            ok("shared ledger on this machine (\(url.host), \(mode)): nobody else is on the path")
        } else if tls.encryption == .off {
            warning("shared ledger at \(url.host): not encrypted (\(mode)), so its password and every job cross the network in the clear; \(remedy)")
        } else if tls.encryption == .ifOffered {
            let unchecked = tls.verification == .nothing ? ", and the server's certificate is not checked" : ""
            warning("shared ledger at \(url.host): not verified (\(mode) talks in the clear to a server that offers no TLS\(unchecked)); \(remedy)")
        } else if tls.verification == .nothing {
            warning("shared ledger at \(url.host): encrypted but not verified (\(mode) does not check the server's certificate, so anyone on the path can pose as the server and take the password); \(remedy)")
        } else if tls.verification == .issuer && tls.rootCertificateFile == nil {
            // libpq refuses verify-ca with the system's roots (sslrootcert=system): a public CA issues
            // a certificate to anyone for a host they control, so only the host name keeps others out.
            warning("shared ledger at \(url.host): weakly verified (\(mode) with the system's CAs accepts a certificate any public CA issued, for any host); \(remedy)")
        } else {
            let issuer = tls.rootCertificateFile.map { "the CA in \($0)" } ?? "a CA the system trusts"
            let scope = tls.verification == .issuerAndHostName ? "to \(url.host) " : ""
            let hostName = tls.verification == .issuerAndHostName ? "" : "; the host name is not checked"
            ok("shared ledger at \(url.host): encrypted, its certificate checked as issued \(scope)by \(issuer)\(hostName) (\(mode))")
        }
        if let file = url.passwordFile {
            ok("shared ledger's password read from \(file)")
        } else if url.password != nil {
            warning("shared ledger's password is written in ledger_url, visible in the configuration file; use ledger_password_file (or systemd's credential ledger-password) and take it out of the URL")
        }
    }

    private mutating func ok(_ text: String) {
        findings.append(Finding(severity: .ok, text: text))
    }

    private mutating func warning(_ text: String) {
        findings.append(Finding(severity: .warning, text: text))
    }

    private mutating func problem(_ text: String) {
        findings.append(Finding(severity: .problem, text: text))
    }

    private static func folderCount(below root: String, limit: Int) -> Int {
        var count = 0
        var pending = [root]
        while let folder = pending.popLast(), count < limit {
            count += 1
            for name in FileSystem.directoryEntries(folder) ?? [] where FileSystem.identity(of: folder + "/" + name)?.isDirectory == true {
                pending.append(folder + "/" + name)
            }
        }
        return count
    }
}
