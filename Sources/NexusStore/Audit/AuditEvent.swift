public import Foundation
public import NexusCore

/// Who did something: an API key (with the address and client it came from), a person at the
/// command line, or Nexus itself.
public struct AuditActor: Sendable, Hashable {
    /// `key:KEY_ID`, `cli:USER` or `nexus`.
    public var name: String
    public var keyID: String?
    public var ip: String?
    public var userAgent: String?

    public init(name: String, keyID: String? = nil, ip: String? = nil, userAgent: String? = nil) {
        self.name = name
        self.keyID = keyID
        self.ip = ip
        self.userAgent = userAgent
    }

    /// A request made with an API key.
    public static func key(_ id: String, ip: String?, userAgent: String?) -> AuditActor {
        AuditActor(name: "key:\(id)", keyID: id, ip: ip, userAgent: userAgent.map { String($0.prefix(200)) })
    }

    /// The person running the `nexus` command.
    public static var commandLine: AuditActor {
        AuditActor(name: "cli:\(ProcessInfo.processInfo.environment["USER"] ?? NSUserName())")
    }

    /// Nexus acting on its own (the background crystallizer, a run's own module install).
    public static let nexus = AuditActor(name: "nexus")
}

/// One audit event, in the shape of the large providers' audit logs: an id, a dotted type
/// (`key.created`, `run.cancelled`, `credential.used`, `policy.refused`), the time, the actor, the
/// org and the resource (`run:ID`, `key:ID`, `credential:NAME`), with details.
public struct AuditEvent: Sendable, Hashable {
    /// Its place in the log, from 1.
    public var seq: Int
    /// `aud_` and 12 random characters.
    public var id: String
    public var type: String
    public var timeMillis: Int64
    public var org: String
    public var actor: AuditActor
    public var resource: String
    /// Facts about the event, as stored (JSON text of an object).
    public var detailsText: String
    /// Lowercase hex SHA-256 of the event before it (64 zeros for the first) and of this one.
    public var previousHash: String
    public var hash: String

    public var time: Date { Date(timeIntervalSince1970: Double(timeMillis) / 1000) }
    public var details: JSONValue { (try? JSONValue.parse(detailsText)) ?? .object([:]) }

    /// The hash of the first event's predecessor.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// What the hash covers: every field but the hash itself, as a JSON array (its text is
    /// fixed by the field values alone).
    var hashedText: String {
        JSONValue.array([
            .string(previousHash), .number(Double(seq)), .string(id), .string(type), .number(Double(timeMillis)), .string(org),
            .string(actor.name), actor.keyID.map(JSONValue.string) ?? .null, actor.ip.map(JSONValue.string) ?? .null,
            actor.userAgent.map(JSONValue.string) ?? .null, .string(resource), .string(detailsText),
        ]).jsonText
    }

    /// The event as the API and `nexus audit --json` show it.
    public var json: JSONValue {
        var actorObject: JSONObject = ["name": .string(actor.name)]
        if let keyID = actor.keyID { actorObject["key_id"] = .string(keyID) }
        if let ip = actor.ip { actorObject["ip"] = .string(ip) }
        if let agent = actor.userAgent { actorObject["user_agent"] = .string(agent) }
        return [
            "id": .string(id), "object": "audit.event", "seq": .number(Double(seq)), "type": .string(type),
            "time": .string(time.ISO8601Format()), "time_ms": .number(Double(timeMillis)),
            "org": .string(org), "actor": .object(actorObject), "resource": .string(resource), "details": details, "hash": .string(hash),
        ]
    }
}

/// What `AuditLog.events` returns: filters all optional, newest first.
public struct AuditQuery: Sendable, Hashable {
    /// A type (`run.started`), or a family ending in `.` (`run.`).
    public var type: String?
    /// An actor's name (`key:key_abc`, `cli:alice`) or a key id.
    public var actor: String?
    /// A resource (`run:run_abc`), or a kind ending in `:` (`credential:`).
    public var resource: String?
    public var since: Date?
    public var until: Date?
    public var limit: Int

    public init(type: String? = nil, actor: String? = nil, resource: String? = nil, since: Date? = nil, until: Date? = nil, limit: Int = 100) {
        self.type = type
        self.actor = actor
        self.resource = resource
        self.since = since
        self.until = until
        self.limit = limit
    }

    /// A `since` or `until` as given (ISO 8601), or a clear error naming `option`.
    public static func time(_ text: String?, _ option: String) throws -> Date? {
        guard let text else { return nil }
        guard let date = try? Date(text, strategy: .iso8601) else {
            throw NexusError(.invalidArgument, "\(option) takes an ISO 8601 time like 2026-12-01T00:00:00Z, not '\(text.prefix(40))'")
        }
        return date
    }
}

/// Signs and checks the audit log's head with the installation's key (the ledger's), so the
/// head outside the database cannot be rewritten by someone who rewrites the database.
public protocol AuditHeadSigner: Sendable {
    /// The id of the key and the base64 signature of `message`.
    func signAuditHead(_ message: [UInt8]) throws -> (keyID: String, signature: String)
    /// Whether `signature` of `message` is valid under the installation's key `keyID`.
    func verifyAuditHead(_ message: [UInt8], keyID: String, signature: String) throws -> Bool
}
