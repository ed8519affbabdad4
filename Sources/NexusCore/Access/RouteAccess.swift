/// What a route needs before its handler runs.
public enum RouteAccess: Sendable, Hashable {
    /// Nothing: anyone may call it, on any address (`/api/version`, `/health`).
    case open
    /// A caller the `AccessPolicy` grants this permission.
    case requires(Permission)
}

/// Which permission every HTTP route of `nexus serve` needs, as one table the server consults
/// before routing. `docs/keys.md` shows the same table.
///
/// A rule is a method (or "*" for any) and a path pattern of "/"-separated segments, where
/// `{name}` matches one segment and a final `*` matches one or more. The first matching rule
/// wins. HEAD requests match GET rules. A request no rule matches needs `.administer`: a route
/// added to the server but forgotten here fails closed, never open.
public struct RouteAccessTable: Sendable {
    /// One line of the table.
    public struct Rule: Sendable, Hashable {
        /// "GET", "POST", "DELETE", ... or "*" for any method.
        public var method: String
        /// "/api/tags", "/v1/agent/runs/{id}/events", "/admin/*", ...
        public var pattern: String
        public var access: RouteAccess

        public init(_ method: String, _ pattern: String, _ access: RouteAccess) {
            self.method = method
            self.pattern = pattern
            self.access = access
        }

        fileprivate func matches(method requestMethod: String, segments: [Substring]) -> Bool {
            guard method == "*" || method == requestMethod || (method == "GET" && requestMethod == "HEAD") else { return false }
            let parts = RouteAccessTable.segments(of: pattern)
            for (index, part) in parts.enumerated() {
                if part == "*" && index == parts.count - 1 { return segments.count > index }
                guard index < segments.count else { return false }
                if part.hasPrefix("{") && part.hasSuffix("}") { continue }
                if part != segments[index] { return false }
            }
            return parts.count == segments.count
        }
    }

    /// What an unmatched request needs.
    public static let unmatched = RouteAccess.requires(.administer)

    public var rules: [Rule]

    public init(rules: [Rule]) {
        self.rules = rules
    }

    /// What `method` on `path` needs: the first matching rule's access, or `unmatched`.
    /// - Parameters:
    ///   - method: The HTTP method, in any case.
    ///   - path: The request path; a query string and empty segments ("//", a trailing "/")
    ///     are ignored, as the router ignores them.
    public func access(method: String, path: String) -> RouteAccess {
        rule(method: method, path: path)?.access ?? Self.unmatched
    }

    /// The first rule that matches, or nil.
    public func rule(method: String, path: String) -> Rule? {
        let method = method.uppercased()
        let path = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let segments = Self.segments(of: path)
        return rules.first { $0.matches(method: method, segments: segments) }
    }

    fileprivate static func segments(of path: some StringProtocol) -> [Substring] {
        path.split(separator: "/").map { Substring($0) }
    }

    /// The routes of `nexus serve` (SPEC §5) and what each needs.
    public static let standard = RouteAccessTable(rules: [
        // Health checks and version probes are open everywhere.
        Rule("GET", "/api/version", .open),
        Rule("GET", "/health", .open),
        // The dashboard's page, styles and scripts hold no data; what it shows, it reads with a key.
        Rule("GET", "/", .open),
        Rule("GET", "/ui/*", .open),
        // Who the caller is and what it may do (the dashboard shows only what that allows).
        Rule("GET", "/v1/me", .requires(.readModels)),
        // Reading models.
        Rule("GET", "/api/tags", .requires(.readModels)),
        Rule("POST", "/api/show", .requires(.readModels)),
        Rule("GET", "/api/ps", .requires(.readModels)),
        Rule("GET", "/v1/models", .requires(.readModels)),
        Rule("GET", "/v1/models/*", .requires(.readModels)),
        // Generating, including client-side tool calling.
        Rule("POST", "/api/generate", .requires(.generate)),
        Rule("POST", "/api/chat", .requires(.generate)),
        Rule("POST", "/api/embed", .requires(.generate)),
        Rule("POST", "/api/embeddings", .requires(.generate)),
        Rule("POST", "/v1/chat/completions", .requires(.generate)),
        Rule("POST", "/v1/completions", .requires(.generate)),
        Rule("POST", "/v1/embeddings", .requires(.generate)),
        // Agent runs: starting or cancelling one executes tools; reading them is a viewer's.
        Rule("POST", "/v1/agent/runs", .requires(.executeTools)),
        Rule("POST", "/v1/agent/runs/{id}/cancel", .requires(.executeTools)),
        Rule("POST", "/v1/agent/runs/{id}/resume", .requires(.executeTools)),
        // Judging a run good or bad steers what HOPE replays (and may roll a module back).
        Rule("POST", "/v1/agent/runs/{id}/feedback", .requires(.executeTools)),
        Rule("GET", "/v1/agent/runs", .requires(.readRuns)),
        Rule("GET", "/v1/agent/runs/{id}", .requires(.readRuns)),
        Rule("GET", "/v1/agent/runs/{id}/events", .requires(.readRuns)),
        Rule("GET", "/v1/agent/runs/{id}/context", .requires(.readRuns)),
        // What HOPE learned per task shape (the dashboard's Learning view).
        Rule("GET", "/v1/learning", .requires(.readRuns)),
        // MCP over Streamable HTTP: its tools and agent_run execute tools.
        Rule("*", "/mcp", .requires(.executeTools)),
        // Changing the installed models.
        Rule("POST", "/api/pull", .requires(.manageModels)),
        Rule("POST", "/api/create", .requires(.manageModels)),
        Rule("POST", "/api/copy", .requires(.manageModels)),
        Rule("DELETE", "/api/delete", .requires(.manageModels)),
        Rule("POST", "/api/push", .requires(.manageModels)),
        Rule("*", "/api/blobs/{digest}", .requires(.manageModels)),
        // Metrics, in Prometheus's form and as the dashboard's summary.
        Rule("GET", "/metrics", .requires(.readMetrics)),
        Rule("GET", "/metrics/summary", .requires(.readMetrics)),
        // Administration; keys first, they need more. The first owner key of a server without
        // keys needs none, and is made only for a request from this machine (KeyRoutes).
        Rule("POST", "/admin/bootstrap", .open),
        Rule("*", "/admin/keys", .requires(.manageKeys)),
        Rule("*", "/admin/keys/*", .requires(.manageKeys)),
        Rule("*", "/admin", .requires(.administer)),
        Rule("*", "/admin/*", .requires(.administer)),
    ])
}
