public import Foundation
import GRDB
public import NexusCore

/// An organization: a tenant of the server, with its own keys, runs, traces, memories,
/// conversations, credentials, usage, limits and audit trail.
public struct OrgRecord: Sendable, Hashable {
    public var name: OrgName
    public var createdAt: Date
    /// The key that made it; nil for the default org.
    public var createdBy: String?
}

/// The organizations of a server. The default org always exists; orgs are made, never deleted
/// (their records stay theirs), and a key is made in an org that exists.
public struct OrgStore: Sendable {
    let database: NexusDatabase

    public init(database: NexusDatabase) {
        self.database = database
    }

    /// Makes an org.
    /// - Throws: `NexusError(.conflict)` when it exists, `.databaseFailed` when it cannot be saved.
    public func createAsync(_ name: OrgName, createdBy: String?) async throws -> OrgRecord {
        let record = OrgRecord(name: name, createdAt: Date(), createdBy: createdBy)
        return try await database.writeAsync("create org \(name)") { db in try Self.insert(record, db) }
    }

    /// ``createAsync(_:createdBy:)`` for the CLI.
    public func create(_ name: OrgName, createdBy: String?) throws -> OrgRecord {
        let record = OrgRecord(name: name, createdAt: Date(), createdBy: createdBy)
        return try database.write("create org \(name)") { db in try Self.insert(record, db) }
    }

    /// The orgs, by name: all of them when `only` is nil, else just that one if it exists.
    public func listAsync(only: OrgName? = nil) async throws -> [OrgRecord] {
        try await database.readAsync("list the orgs") { db in try Self.all(only, db) }
    }

    public func list() throws -> [OrgRecord] {
        try database.read("list the orgs") { db in try Self.all(nil, db) }
    }

    static func exists(_ name: OrgName, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM orgs WHERE name = ?)", arguments: [name.rawValue]) ?? false
    }

    private static func insert(_ record: OrgRecord, _ db: Database) throws -> OrgRecord {
        guard try !exists(record.name, db) else {
            throw NexusError(.conflict, "the org '\(record.name)' exists already; list the orgs with `nexus orgs list`")
        }
        try db.execute(sql: "INSERT INTO orgs (name, created_at, created_by) VALUES (?, ?, ?)",
                       arguments: [record.name.rawValue, record.createdAt.databaseSeconds, record.createdBy])
        return record
    }

    private static func all(_ only: OrgName?, _ db: Database) throws -> [OrgRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM orgs WHERE ?1 IS NULL OR name = ?1 ORDER BY name", arguments: [only?.rawValue]).map { row in
            OrgRecord(name: OrgName(unchecked: try row.value("name")), createdAt: try row.date("created_at"), createdBy: try row.value("created_by"))
        }
    }
}
