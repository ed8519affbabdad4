import Foundation

/// Keeps web pages out of a server that trusts loopback: a request without a key is let through on
/// loopback because only this machine can send it, and a browser on this machine can be made to
/// send one for any page it shows. Two attacks follow, and this guard refuses both:
/// - DNS rebinding: a page at `evil.example` resolves its own name to 127.0.0.1, so its requests
///   reach the server as same-origin ones; their `Host` header still names `evil.example`.
/// - Cross-site request forgery: a page POSTs a `text/plain` form or `fetch` body to
///   `http://127.0.0.1:11434`; the browser sends `Origin` (and `Sec-Fetch-Site: cross-site`).
///
/// The rules, for a request that presents no valid key (a valid key is never sent by a browser on
/// its own, so a keyed request is not a page's doing):
/// 1. `Host`, when present, names a loopback address (`localhost`, 127.0.0.0/8, `[::1]`) with the
///    server's port or none.
/// 2. `Origin`, when present, is the server's own loopback origin (`http://127.0.0.1:PORT`,
///    `http://localhost:PORT`, `http://[::1]:PORT`); `null` and every other origin are foreign.
/// 3. `Sec-Fetch-Site` is not `cross-site` or `same-site` (another port of localhost is same-site).
///
/// Command-line clients (curl, `ollama`) send no `Origin` and a loopback `Host`, so they are
/// unaffected, as with Ollama's own allowed-hosts and allowed-origins checks.
public struct LoopbackRequestGuard: Sendable, Hashable {
    /// The port the server listens on; 0 when it is chosen at bind time (then any port matches).
    public var port: Int

    public init(port: Int) {
        self.port = port
    }

    /// The headers a browser sets that tell where a request comes from.
    public struct Provenance: Sendable, Hashable {
        /// The `Host` header and the request's authority (`:authority`, or the Host that NIO
        /// moved there), as sent; every one must be this server's own.
        public var hosts: [String]
        public var origin: String?
        /// `Sec-Fetch-Site`: "same-origin", "same-site", "cross-site" or "none" (several values
        /// joined with commas: each is checked).
        public var fetchSite: String?

        public init(hosts: [String] = [], origin: String? = nil, fetchSite: String? = nil) {
            self.hosts = hosts
            self.origin = origin
            self.fetchSite = fetchSite
        }
    }

    /// Why a request without a key must be refused (the message of a 403), or nil when it may go on.
    public func refusal(_ request: Provenance) -> String? {
        // Built only for a refusal: every key-less request on loopback passes through here.
        var advice: String {
            "requests without an API key are served only when they come straight from this machine; send `Authorization: Bearer nxk_…`, or call http://127.0.0.1\(port == 0 ? "" : ":\(port)") directly"
        }
        if let host = request.hosts.first(where: { !isOwnAuthority($0) }) {
            return "the Host '\(host.prefix(100))' is not this server's loopback address (a page using DNS rebinding sends its own name); \(advice)"
        }
        if let origin = request.origin, !isOwnOrigin(origin) {
            return "the request comes from the web page origin '\(origin.prefix(100))', not from this server; \(advice)"
        }
        let sites = (request.fetchSite ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if let site = sites.first(where: { $0 == "cross-site" || $0 == "same-site" }) {
            return "the browser marks this request Sec-Fetch-Site: \(site) (sent by another site's page); \(advice)"
        }
        return nil
    }

    /// Whether `authority` ("127.0.0.1:11434", "localhost", "[::1]:11434") names a loopback address
    /// with this server's port or none.
    public func isOwnAuthority(_ authority: String) -> Bool {
        guard let (host, port) = Self.split(authority: authority.trimmingCharacters(in: .whitespaces)) else { return false }
        if let port, self.port != 0, port != self.port { return false }
        return AccessPolicy.isLoopback(host: host)
    }

    /// Whether `origin` is `http://` or `https://` and a loopback authority with this server's port
    /// (an origin always names its port when it is not the scheme's default).
    public func isOwnOrigin(_ origin: String) -> Bool {
        let origin = origin.trimmingCharacters(in: .whitespaces).lowercased()
        for scheme in ["http://", "https://"] where origin.hasPrefix(scheme) {
            let authority = String(origin.dropFirst(scheme.count))
            guard let (host, port) = Self.split(authority: authority), AccessPolicy.isLoopback(host: host) else { return false }
            let defaultPort = scheme == "http://" ? 80 : 443
            return self.port == 0 || (port ?? defaultPort) == self.port
        }
        return false
    }

    /// Host and port of an authority; nil when it is malformed (user info, a path, a bad port,
    /// an IPv6 address without brackets).
    static func split(authority: String) -> (host: String, port: Int?)? {
        guard !authority.isEmpty, !authority.contains("@"), !authority.contains("/") else { return nil }
        var host: Substring
        var rest: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            rest = authority[authority.index(after: close)...]
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            rest = authority[colon...]
        } else {
            host = Substring(authority)
            rest = ""
        }
        guard !host.isEmpty else { return nil }
        if rest.isEmpty { return (String(host), nil) }
        guard rest.hasPrefix(":") else { return nil }
        let digits = rest.dropFirst()
        guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let port = Int(digits), (1...65535).contains(port) else { return nil }
        return (String(host), port)
    }
}
