import Foundation
import Inotify

extension LedgerURL {
    /// The name of systemd's credential that holds the password (`LoadCredential=ledger-password:…`).
    package static let passwordCredential = "ledger-password"

    /// Takes the password from `file`, else from systemd's credential `ledger-password`, else
    /// keeps the URL's; either file's content is the password, without the line end it ends with.
    ///
    /// An empty credential gives no password: the shipped units pass one (`SetCredential=`) when
    /// `/etc/image-inbox/ledger-password` does not exist, so that the service starts without it.
    ///
    /// - Parameters:
    ///   - file: `ledger_password_file`.
    ///   - credentialsDirectory: systemd's `$CREDENTIALS_DIRECTORY`.
    /// - Throws: ``ImageInboxError`` `invalidConfiguration` naming a file that can't be read, or
    ///   a `ledger_password_file` that is empty.
    package mutating func readPassword(file: String?, credentialsDirectory: String?) throws(ImageInboxError) {
        if let file {
            let text = try Self.password(in: file)
            guard !text.isEmpty else {
                throw ImageInboxError(
                    code: .invalidConfiguration,
                    message: "The ledger's password file '\(file)' is empty. Put the password of ledger_url's role in it, or unset ledger_password_file."
                )
            }
            (password, passwordFile) = (text, file)
            return
        }
        guard let directory = credentialsDirectory else { return }
        let credential = directory + "/" + Self.passwordCredential
        guard FileManager.default.fileExists(atPath: credential) else { return }
        let text = try Self.password(in: credential)
        if !text.isEmpty { (password, passwordFile) = (text, credential) }
    }

    private static func password(in path: String) throws(ImageInboxError) -> String {
        switch FileSystem.readRegularFile(path, limit: 64 * 1024) {
        case .success(let bytes):
            // Only the line end: a password may begin or end with a space.
            var text = String(decoding: bytes, as: UTF8.self)
            while text.last?.isNewline == true { text.removeLast() }
            return text
        case .failure(let error):
            throw ImageInboxError(
                code: .invalidConfiguration,
                message: "Can't read the ledger's password file '\(path)': \(FileSystem.describe(error.code)). "
                    + "Check that it exists and that the daemon's user may read it, or hand it over with systemd's LoadCredential=ledger-password:FILE, which reads it as root."
            )
        }
    }
}
