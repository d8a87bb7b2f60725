/// Where the metrics endpoint listens: an IP address (or `localhost`) and a port, as
/// `metrics_address` gives it (`127.0.0.1:9464`, `[::1]:9464`).
///
/// Only an address the administrator wrote is ever bound: there is no default, and so never a
/// listener on every interface unless `0.0.0.0` is asked for.
package struct MetricsAddress: Sendable, Equatable, CustomStringConvertible {
    /// The IP address (IPv6 without its brackets).
    package var host: String
    /// The port; 0 lets the system choose one (the log says which).
    package var port: Int

    /// Parses `HOST:PORT`; nil when it is not an IPv4 or bracketed IPv6 address (or `localhost`)
    /// with a port from 0 to 65535.
    package init?(_ text: String) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
            guard host.contains(":"), host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            let octets = host.split(separator: ".", omittingEmptySubsequences: false)
            let isIPv4 = octets.count == 4 && octets.allSatisfy { UInt8($0) != nil }
            guard isIPv4 || host == "localhost" else { return nil }
        }
        guard let port = Int(portText), (0...65_535).contains(port) else { return nil }
        self.host = host == "localhost" ? "127.0.0.1" : String(host)
        self.port = port
    }

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    package var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
