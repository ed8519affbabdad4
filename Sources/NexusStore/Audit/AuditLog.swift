import Crypto
public import Foundation
import GRDB
public import NexusCore

/// The audit log of `nexus.db` (see ``AuditEvent``): appended to by the CLI and the server,
/// hash-chained, its head signed into `$NEXUS_HOME/audit.head` after every append.
public struct AuditLog: Sendable {
    public let database: NexusDatabase
    public let home: URL
    /// Signs the head; without one (a test's store) the head is not written.
    public let signer: (any AuditHeadSigner)?
    /// The org whose events this log appends and reads: the database handle's.
    public var org: String { database.org.rawValue }

    public init(database: NexusDatabase, home: URL, signer: (any AuditHeadSigner)?) {
        self.database = database
        self.home = home
        self.signer = signer
    }

    /// The same log, appending and reading `org`'s events (the chain and its head stay one).
    public func scoped(to org: OrgName) -> AuditLog {
        AuditLog(database: database.scoped(to: org), home: home, signer: signer)
    }

    /// Appends an event.
    /// - Throws: `NexusError(.databaseFailed)` when it cannot be stored, `.keyUnavailable` when
    ///   the head cannot be signed.
    @discardableResult
    public func record(_ type: String, actor: AuditActor, resource: String, details: JSONObject = [:]) throws -> AuditEvent {
        let event = try database.write("record the audit event \(type)") { db in try append(type, actor, resource, details, db) }
        try advanceHead(to: event)
        return event
    }

    /// Appends an event from async code.
    @discardableResult
    public func record(_ type: String, actor: AuditActor, resource: String, details: JSONObject = [:]) async throws -> AuditEvent {
        let log = self
        let event = try await database.writeAsync("record the audit event \(type)") { db in try log.append(type, actor, resource, details, db) }
        try advanceHead(to: event)
        return event
    }

    /// Events matching `query`, newest first.
    public func events(_ query: AuditQuery) throws -> [AuditEvent] {
        let (sql, arguments) = select(query)
        return try database.read("read the audit log") { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.event) }
    }

    public func events(_ query: AuditQuery) async throws -> [AuditEvent] {
        let (sql, arguments) = select(query)
        return try await database.readAsync("read the audit log") { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.event) }
    }

    // MARK: - Verification

    /// What `verify` found.
    public struct Verification: Sendable {
        public var events = 0
        /// Each event or head that does not check, one line each.
        public var problems: [String] = []
        /// The event the signed head names, when there is a head.
        public var headSeq: Int?
    }

    /// Checks the chain (every event's hash, and that each names the one before it, with no
    /// gap) and the signed head (its signature, and that the log still holds the event it names).
    public func verify() throws -> Verification {
        let events = try database.read("read the audit log") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_events ORDER BY seq").map(Self.event)
        }
        var report = Verification(events: events.count)
        var previous = AuditEvent.genesisHash
        for (index, event) in events.enumerated() {
            if event.seq != index + 1 {
                report.problems.append("audit event #\(index + 1) is missing: the log goes on with #\(event.seq) (events were removed)")
                break
            }
            if event.previousHash != previous {
                report.problems.append("audit event #\(event.seq) (\(event.type)) does not follow #\(event.seq - 1): the event before it was changed or removed")
                break
            }
            if Self.hash(of: event) != event.hash {
                report.problems.append("audit event #\(event.seq) (\(event.type), \(event.resource)) was changed after it was recorded")
                break
            }
            previous = event.hash
        }
        guard let head = try AuditHead.load(home: home) else {
            if !events.isEmpty, signer != nil {
                report.problems.append("the audit log has \(events.count) events but no signed head (\(AuditHead.file(home: home).path) is missing)")
            }
            return report
        }
        report.headSeq = head.seq
        if let signer, try !signer.verifyAuditHead(head.message, keyID: head.keyID, signature: head.signature) {
            report.problems.append("the audit head's signature does not verify under key \(head.keyID)")
        }
        if head.seq > events.count {
            report.problems.append("the signed audit head names event #\(head.seq), but the log ends at #\(events.count): the newest events were removed")
        } else if head.seq > 0, events[head.seq - 1].hash != head.hash {
            report.problems.append("audit event #\(head.seq) is not the one the signed head names: the log was rewritten")
        }
        return report
    }

    // MARK: - Storage

    private func append(_ type: String, _ actor: AuditActor, _ resource: String, _ details: JSONObject, _ db: Database) throws -> AuditEvent {
        let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
        var event = AuditEvent(seq: (last?["seq"] as Int? ?? 0) + 1, id: ShortID.make(prefix: "aud_"), type: type,
                               timeMillis: Int64((Date().timeIntervalSince1970 * 1000).rounded()), org: org, actor: actor,
                               resource: resource, detailsText: JSONValue.object(details).jsonText,
                               previousHash: last?["hash"] ?? AuditEvent.genesisHash, hash: "")
        event.hash = Self.hash(of: event)
        try db.execute(sql: """
            INSERT INTO audit_events (seq, id, type, time_ms, org, actor, actor_key, actor_ip, actor_agent, resource, details, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [event.seq, event.id, event.type, event.timeMillis, event.org, actor.name, actor.keyID, actor.ip, actor.userAgent,
                             event.resource, event.detailsText, event.previousHash, event.hash])
        return event
    }

    private func advanceHead(to event: AuditEvent) throws {
        guard let signer else { return }
        try AuditHead.advance(home: home, seq: event.seq, hash: event.hash, signer: signer)
    }

    static func hash(of event: AuditEvent) -> String {
        SHA256.hash(data: Data(event.hashedText.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    private func select(_ query: AuditQuery) -> (String, StatementArguments) {
        var conditions = ["org = ?"]
        var values: [any DatabaseValueConvertible] = [org]
        /// `column` equal to `value`, or starting with it when it ends in `family` (`run.`, `credential:`).
        func matching(_ column: String, _ value: String?, family: String) {
            guard let value else { return }
            if value.hasSuffix(family) {
                conditions.append("substr(\(column), 1, ?) = ?")
                values += [value.count, value]
            } else {
                conditions.append("\(column) = ?")
                values.append(value)
            }
        }
        matching("type", query.type, family: ".")
        matching("resource", query.resource, family: ":")
        if let actor = query.actor {
            conditions.append("(actor = ? OR actor_key = ?)")
            values += [actor, actor]
        }
        if let since = query.since {
            conditions.append("time_ms >= ?")
            values.append(Int64(since.timeIntervalSince1970 * 1000))
        }
        if let until = query.until {
            conditions.append("time_ms <= ?")
            values.append(Int64(until.timeIntervalSince1970 * 1000))
        }
        values.append(max(1, min(query.limit, 1000)))
        let sql = "SELECT * FROM audit_events WHERE \(conditions.joined(separator: " AND ")) ORDER BY seq DESC LIMIT ?"
        return (sql, StatementArguments(values.map { $0.databaseValue }))
    }

    private static func event(_ row: Row) throws -> AuditEvent {
        AuditEvent(seq: row["seq"], id: row["id"], type: row["type"], timeMillis: row["time_ms"], org: row["org"],
                   actor: AuditActor(name: row["actor"], keyID: row["actor_key"], ip: row["actor_ip"], userAgent: row["actor_agent"]),
                   resource: row["resource"], detailsText: row["details"], previousHash: row["prev_hash"], hash: row["hash"])
    }
}
