/// Who made a request that was allowed.
public enum Caller: Sendable, Hashable {
    /// No valid key: a request the loopback rules let through, or an open route.
    case anonymous
    /// A request that presented this active key.
    case key(KeyRecord)

    /// The key presented; nil for an anonymous caller.
    public var key: KeyRecord? {
        if case .key(let key) = self { return key }
        return nil
    }

    /// The key's id, for logs, audit and metering; nil for an anonymous caller.
    public var keyID: String? { key?.id }

    /// The org the caller acts in: its key's, or the default org for an anonymous caller (whom
    /// the loopback rules let through only on a single-user server).
    public var org: OrgName { key?.org ?? .default }
}

/// What the server does with a request, decided by `AccessPolicy`.
public enum AccessDecision: Sendable, Hashable {
    /// Go on; `Caller` says who asked.
    case allowed(Caller)
    /// 401: a key is needed and none that works was presented. Missing, unknown, revoked and
    /// malformed keys all end here, with the same status, header and message.
    case unauthenticated
    /// 403: the key is valid but its role is below `required`.
    case forbidden(key: KeyRecord, permission: Permission)
    /// 403: no key, and the request comes from a web page rather than from this machine's own
    /// clients (a foreign `Host` or `Origin`); the text says which and what to do.
    case foreignRequest(String)

    /// The value of the `WWW-Authenticate` header that goes with a 401 (RFC 6750).
    public static let challenge = #"Bearer realm="nexus""#

    /// The message of every 401, whatever was wrong with the key.
    public static let unauthenticatedMessage =
        "a valid Nexus API key is required: send the header `Authorization: Bearer nxk_…` with a key from `nexus keys create`"

    /// Whether the request may go on.
    public var isAllowed: Bool {
        if case .allowed = self { return true }
        return false
    }

    /// The HTTP status of a refusal (401 or 403); nil when the request is allowed.
    public var httpStatus: Int? {
        switch self {
        case .allowed: nil
        case .unauthenticated: 401
        case .forbidden, .foreignRequest: 403
        }
    }

    /// What to tell the client when the request is refused; nil when it is allowed. Never
    /// contains a secret.
    public var message: String? {
        switch self {
        case .allowed:
            nil
        case .unauthenticated:
            Self.unauthenticatedMessage
        case .forbidden(let key, let permission):
            "the API key \(key.id) has the role \(key.role), and \(permission.activity) needs \(permission.minimumRole) or higher; use a key with that role (`nexus keys create --role \(permission.minimumRole)`)"
        case .foreignRequest(let reason):
            reason
        }
    }
}

extension Permission {
    /// What the permission lets a caller do, for messages: "generating", ...
    public var activity: String {
        switch self {
        case .readModels: "reading the model list"
        case .readRuns: "reading agent runs"
        case .readMetrics: "reading metrics"
        case .generate: "generating"
        case .executeTools: "running agents or tools"
        case .manageModels: "managing models"
        case .administer: "the administration API"
        case .manageKeys: "managing API keys"
        }
    }
}
