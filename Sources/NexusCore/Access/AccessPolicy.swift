import Foundation

/// Decides whether a request may go on: the one place where keys, roles and the loopback rules
/// meet. The server builds one per listening address and calls it before every handler.
///
/// The rules:
/// 1. An open route (`/api/version`, `/health`) needs nothing.
/// 2. A valid key whose role holds the permission is allowed.
/// 3. On a server bound only to a loopback address, a permission that `isOpenOnLoopback`
///    (reading, generating) is allowed with any key or none, like Ollama. Executing tools,
///    managing models or keys and administration are not: they always need a key.
/// 4. Otherwise a valid key with too low a role gets 403, and a missing, unknown, revoked or
///    malformed key gets 401; those four are indistinguishable, because a presented secret that
///    does not authenticate counts exactly as no secret.
/// 5. A request that rule 3 lets through without a key must also come from this machine rather
///    than from a web page: `LoopbackRequestGuard` checks its `Host`, `Origin` and
///    `Sec-Fetch-Site` (DNS rebinding, cross-site request forgery), else 403.
///
/// ```swift
/// let access = AccessPolicy(host: "0.0.0.0", keys: KeyStore(database: database))
/// switch try access.authorize(method: "POST", path: "/api/chat", authorization: request.headers[.authorization]) {
/// case .allowed(let caller): ...
/// case .unauthenticated: ... // 401 with WWW-Authenticate: AccessDecision.challenge
/// case .forbidden: ...       // 403
/// }
/// ```
public struct AccessPolicy: Sendable {
    /// Whether the server listens only on a loopback address (127.0.0.0/8, ::1, localhost).
    public var boundToLoopback: Bool
    /// Where presented secrets are checked: `KeyStore` in the server.
    public var keys: any KeyAuthenticator
    /// Which permission each route needs.
    public var routes: RouteAccessTable
    /// Refuses key-less requests that a browser sent for another site's page (rule 5).
    public var loopbackGuard: LoopbackRequestGuard

    /// - Parameters:
    ///   - boundToLoopback: Whether the server listens only on a loopback address.
    ///   - keys: Checks presented secrets.
    ///   - routes: The route table; `RouteAccessTable.standard` unless a test needs another.
    ///   - port: The port the server listens on, which a loopback `Host` or `Origin` must name
    ///     (0: any port, for a port chosen at bind time).
    public init(boundToLoopback: Bool, keys: any KeyAuthenticator, routes: RouteAccessTable = .standard, port: Int = 0) {
        self.boundToLoopback = boundToLoopback
        self.keys = keys
        self.routes = routes
        self.loopbackGuard = LoopbackRequestGuard(port: port)
    }

    /// A policy for a server listening on `host` ("127.0.0.1", "0.0.0.0", "::1", ...) and `port`.
    public init(host: String, port: Int = 0, keys: any KeyAuthenticator, routes: RouteAccessTable = .standard) {
        self.init(boundToLoopback: Self.isLoopback(host: host), keys: keys, routes: routes, port: port)
    }

    /// The decision for one HTTP request, where it comes from included: a request that would be
    /// let through without a key (rule 3) but carries a foreign `Host`, a foreign `Origin` or
    /// `Sec-Fetch-Site: cross-site` is refused with `.foreignRequest` (rule 5).
    /// - Throws: only when the keys cannot be read (the database is unavailable); answer 503.
    public func authorize(method: String, path: String, authorization: String?,
                          provenance: @autoclosure () -> LoopbackRequestGuard.Provenance) throws -> AccessDecision {
        screened(try authorize(method: method, path: path, authorization: authorization), method: method, path: path, provenance: provenance)
    }

    /// A key-less request let through on loopback (rule 3) must come from this machine (rule 5).
    /// Where it comes from is read only then: a keyed request (most of a served install's) never
    /// pays for parsing its `Host` and `Origin`.
    private func screened(_ decision: AccessDecision, method: String, path: String,
                          provenance: () -> LoopbackRequestGuard.Provenance) -> AccessDecision {
        guard case .allowed(.anonymous) = decision, routes.access(method: method, path: path) != .open else { return decision }
        if let refusal = loopbackGuard.refusal(provenance()) { return .foreignRequest(refusal) }
        return decision
    }

    /// ``authorize(method:path:authorization:provenance:)`` from async code (the server's edge):
    /// the key is checked through ``KeyAuthenticator/authenticateAsync(secret:)``.
    public func authorizeAsync(method: String, path: String, authorization: String?,
                               provenance: @autoclosure () -> LoopbackRequestGuard.Provenance) async throws -> AccessDecision {
        let decision: AccessDecision
        switch routes.access(method: method, path: path) {
        case .open:
            decision = .allowed(.anonymous)
        case .requires(let permission):
            var key: KeyRecord?
            if let secret = Self.presentedKey(authorization: authorization) {
                key = try await keys.authenticateAsync(secret: secret)
            }
            decision = Self.decide(permission: permission, key: key, boundToLoopback: boundToLoopback)
        }
        return screened(decision, method: method, path: path, provenance: provenance)
    }

    /// The decision for one HTTP request.
    /// - Parameters:
    ///   - method: "GET", "POST", ... (HEAD is treated as GET).
    ///   - path: The request path; a query string is ignored.
    ///   - authorization: The `Authorization` header, or nil.
    /// - Throws: only when the keys cannot be read (the database is unavailable); answer 503.
    public func authorize(method: String, path: String, authorization: String?) throws -> AccessDecision {
        switch routes.access(method: method, path: path) {
        case .open:
            return .allowed(.anonymous)
        case .requires(let permission):
            return try authorize(presentedKey: Self.presentedKey(authorization: authorization), permission: permission)
        }
    }

    /// The decision for a request that needs `permission` and presented `presentedKey` (the
    /// secret without "Bearer "), or no key. A handler that is about to execute tools for a
    /// request that the route table let through for another permission calls this again with
    /// `.executeTools`.
    /// - Throws: only when the keys cannot be read (the database is unavailable).
    public func authorize(presentedKey: String?, permission: Permission) throws -> AccessDecision {
        let key = try presentedKey.flatMap { try keys.authenticate(secret: $0) }
        return Self.decide(permission: permission, key: key, boundToLoopback: boundToLoopback)
    }

    /// The rules, as a pure function of an already authenticated key (nil for none).
    /// - Parameters:
    ///   - permission: What the request needs.
    ///   - key: The key that authenticated, or nil; a revoked record counts as nil.
    ///   - boundToLoopback: Whether the server listens only on a loopback address.
    public static func decide(permission: Permission, key: KeyRecord?, boundToLoopback: Bool) -> AccessDecision {
        let openHere = boundToLoopback && permission.isOpenOnLoopback
        guard let key, key.isActive else {
            return openHere ? .allowed(.anonymous) : .unauthenticated
        }
        if key.role.allows(permission) || openHere {
            return .allowed(.key(key))
        }
        return .forbidden(key: key, permission: permission)
    }

    /// The secret in an `Authorization: Bearer <secret>` header (the scheme in any case), or nil
    /// when there is no such header. Any other scheme counts as no key.
    public static func presentedKey(authorization: String?) -> String? {
        // Byte by byte: every request with a key comes through here. A secret is ASCII, so
        // spaces and tabs are all the whitespace a real one can be wrapped in.
        guard var header = authorization?.utf8[...] else { return nil }
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        let scheme = Array("bearer ".utf8)
        while let first = header.first, blank(first) { header = header.dropFirst() }
        while let last = header.last, blank(last) { header = header.dropLast() }
        guard header.count > scheme.count, zip(header, scheme).allSatisfy({ byte, expected in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte) == expected
        }) else { return nil }
        var secret = header.dropFirst(scheme.count)
        while let first = secret.first, blank(first) { secret = secret.dropFirst() }
        return secret.isEmpty ? nil : String(Substring(secret))
    }

    /// Whether a listening host is a loopback address: "localhost", 127.0.0.0/8, "::1" (with or
    /// without brackets, in full or short form) or an IPv4-mapped 127 address. "0.0.0.0", "::"
    /// and every other address are not.
    public static func isLoopback(host: String) -> Bool {
        var host = host.trimmingCharacters(in: .whitespaces).lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        for mapped in ["::ffff:", "0:0:0:0:0:ffff:"] where host.hasPrefix(mapped) {
            return isLoopbackIPv4(String(host.dropFirst(mapped.count)))
        }
        return isLoopbackIPv4(host)
    }

    private static func isLoopbackIPv4(_ host: String) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        let octets = parts.compactMap { part -> Int? in
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber) else { return nil }
            return Int(part).flatMap { $0 <= 255 ? $0 : nil }
        }
        return octets.count == 4 && octets[0] == 127
    }
}
