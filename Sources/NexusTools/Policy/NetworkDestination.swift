public import NexusCore

/// One entry of a policy's `networkHosts`: a host, and optionally the one port allowed on it.
///
/// `example.com` allows every port of example.com; `example.com:8080` only port 8080;
/// `127.0.0.1:8080`, `[::1]:8080` and `::1` work alike. Host names match exactly (case aside):
/// `example.com` does not allow `api.example.com`, and `localhost` does not allow `127.0.0.1`.
///
/// Sandboxed commands are filtered by port only (see ``SandboxNetwork``): there an entry without
/// a port grants 80 and 443, not every port, and Nexus's own listener port is never granted.
public struct NetworkDestination: Sendable, Hashable, CustomStringConvertible {
    /// Lower-case, without brackets around an IPv6 address or a trailing dot.
    public var host: String
    /// The one port allowed, or nil for any.
    public var port: Int?

    /// Reads a policy entry.
    /// - Throws: `NexusError(.invalidPolicy)` saying what a valid entry looks like.
    public init(entry: String) throws {
        let text = entry.trimmingWhitespace
        let problem = NexusError(.invalidPolicy,
                                 "the network entry '\(entry)' is not a host or host:port (like example.com, 127.0.0.1:8080 or [::1]:8080)")
        guard !text.isEmpty, !text.contains("/"), !text.contains("@"), !text.contains(where: \.isWhitespace) else { throw problem }
        var host = Substring(text)
        var portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw problem }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw problem }
                portText = rest.dropFirst()
            }
        } else if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty, !name.contains("[") && !name.contains("]") else { throw problem }
        self.host = name
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else { throw problem }
            self.port = port
        } else {
            self.port = nil
        }
    }

    /// Whether a connection to this host and port is allowed by this entry.
    /// - Parameters:
    ///   - host: As in a URL (brackets and case do not matter).
    ///   - port: The port the connection goes to (the scheme's default when the URL names none).
    public func allows(host: String, port: Int) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name.hasSuffix(".") { name.removeLast() }
        return name == self.host && (self.port == nil || self.port == port)
    }

    /// The entry in the form a policy file takes.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return port.map { "\(shownHost):\($0)" } ?? shownHost
    }
}

extension NexusError.Code {
    /// A policy file or flag that cannot be used as written.
    public static let invalidPolicy = NexusError.Code("invalid_policy")
}

extension String {
    fileprivate var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
