import Crypto
public import Foundation
import GRDB
public import NexusCore

/// Secrets by name (API tokens, passwords), encrypted at rest: each value is sealed with
/// ChaChaPoly under a data key of its own, and the data key is wrapped by the key-encryption key
/// (``CredentialKey``); the org and the name are bound into both seals. Values are read only by
/// name, at the moment a tool, module or MCP server needs one, and never listed or printed.
public struct CredentialStore: Sendable {
    public let database: NexusDatabase
    /// `$NEXUS_HOME`, whose `keys/` holds the key-encryption key.
    public let home: URL
    /// The organization the credentials belong to: the database handle's (`default` for a
    /// single-user home).
    public var org: String { database.org.rawValue }
    /// Where each use of a value is recorded (`credential.used`, by name, never the value).
    public var audit: AuditLog?

    public init(database: NexusDatabase, home: URL, audit: AuditLog? = nil) {
        self.database = database
        self.home = home
        self.audit = audit
    }

    /// The value of `name` for a use the audit log records (`credential.used`, with `purpose`,
    /// when there is such a credential), or nil when there is none.
    /// - Throws: as ``value(of:)``; `NexusError(.databaseFailed)` when the use cannot be recorded.
    public func use(_ name: String, for purpose: String, by actor: AuditActor = .nexus) throws -> String? {
        guard let value = try value(of: name) else { return nil }
        try audit?.record("credential.used", actor: actor, resource: "credential:\(name)", details: ["purpose": .string(purpose)])
        return value
    }

    /// What may be said of a stored credential: everything but its value.
    public struct Entry: Sendable, Hashable {
        public var name: String
        public var keyID: String
        public var createdAt: Date
        public var updatedAt: Date
    }

    /// The rule for names, for messages: the shape of an environment variable's name.
    public static let nameRule = "a letter or '_', then letters, digits or '_' (at most 64), like GITHUB_TOKEN"

    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, (1...64).contains(name.utf8.count) else { return false }
        func letter(_ byte: UInt8) -> Bool { (65...90).contains(byte) || (97...122).contains(byte) || byte == 95 }
        return letter(first) && name.utf8.allSatisfy { letter($0) || (48...57).contains($0) }
    }

    /// Stores `value` under `name`, replacing the value it had.
    /// - Returns: Whether the name is new.
    /// - Throws: `NexusError(.invalidArgument)` for a bad name or an empty value, `.keyUnavailable`
    ///   when the key cannot be read or made, `.databaseFailed` when it cannot be saved.
    @discardableResult
    public func set(_ name: String, value: String) throws -> Bool {
        let row = try sealedRow(name, value: value)
        return try database.write("store the credential \(name)") { db in try row.upsert(db) }
    }

    /// ``set(_:value:)`` from async code.
    @discardableResult
    public func setAsync(_ name: String, value: String) async throws -> Bool {
        let row = try sealedRow(name, value: value)
        return try await database.writeAsync("store the credential \(name)") { db in try row.upsert(db) }
    }

    /// A credential's row, sealed and ready to store.
    private struct SealedRow: Sendable {
        var org, name, kekID: String
        var sealed, wrapped: Data
        var now: Double

        /// - Returns: Whether the name is new.
        func upsert(_ db: Database) throws -> Bool {
            let existed = try Bool.fetchOne(db, sql: "SELECT 1 FROM credentials WHERE org = ? AND name = ?", arguments: [org, name]) ?? false
            try db.execute(sql: """
                INSERT INTO credentials (org, name, sealed_value, wrapped_key, kek_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (org, name) DO UPDATE SET sealed_value = excluded.sealed_value, wrapped_key = excluded.wrapped_key,
                    kek_id = excluded.kek_id, updated_at = excluded.updated_at
                """, arguments: [org, name, sealed, wrapped, kekID, now, now])
            return !existed
        }
    }

    private func sealedRow(_ name: String, value: String) throws -> SealedRow {
        try checkName(name)
        guard !value.isEmpty else { throw NexusError(.invalidArgument, "the value of \(name) is empty; give the secret itself") }
        let kek = try currentKey()
        let dataKey = SymmetricKey(size: .bits256)
        let sealed = try ChaChaPoly.seal(Data(value.utf8), using: dataKey, authenticating: binding("value", name)).combined
        let wrapped = try ChaChaPoly.seal(dataKey.withUnsafeBytes { Data($0) }, using: kek.key, authenticating: binding("key", name, kek.id)).combined
        return SealedRow(org: org, name: name, kekID: kek.id, sealed: sealed, wrapped: wrapped, now: Date().timeIntervalSince1970)
    }

    /// The names stored, sorted, without their values.
    public func entries() throws -> [Entry] {
        let org = self.org
        return try database.read("list the credentials") { db in try Self.entries(org, db) }
    }

    /// ``entries()`` from async code.
    public func entriesAsync() async throws -> [Entry] {
        let org = self.org
        return try await database.readAsync("list the credentials") { db in try Self.entries(org, db) }
    }

    private static func entries(_ org: String, _ db: Database) throws -> [Entry] {
        try Row.fetchAll(db, sql: "SELECT name, kek_id, created_at, updated_at FROM credentials WHERE org = ? ORDER BY name", arguments: [org]).map { row in
            Entry(name: row["name"], keyID: row["kek_id"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
                  updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
        }
    }

    /// Removes a credential. - Returns: Whether there was one.
    @discardableResult
    public func delete(_ name: String) throws -> Bool {
        try checkName(name)
        let org = self.org
        return try database.write("delete the credential \(name)") { db in try Self.delete(org, name, db) }
    }

    /// ``delete(_:)`` from async code.
    @discardableResult
    public func deleteAsync(_ name: String) async throws -> Bool {
        try checkName(name)
        let org = self.org
        return try await database.writeAsync("delete the credential \(name)") { db in try Self.delete(org, name, db) }
    }

    private static func delete(_ org: String, _ name: String, _ db: Database) throws -> Bool {
        try db.execute(sql: "DELETE FROM credentials WHERE org = ? AND name = ?", arguments: [org, name])
        return db.changesCount > 0
    }

    /// The value of `name`, or nil when there is no such credential.
    /// - Throws: `NexusError(.keyUnavailable)` when its key is missing or it does not open (it was
    ///   altered, or moved from another name or org).
    public func value(of name: String) throws -> String? {
        guard Self.isValidName(name) else { return nil }
        let row = try database.read("read the credential \(name)") { db in
            try Row.fetchOne(db, sql: "SELECT sealed_value, wrapped_key, kek_id FROM credentials WHERE org = ? AND name = ?", arguments: [org, name])
        }
        guard let row else { return nil }
        let keyID: String = row["kek_id"]
        let dataKey = try unwrap(row["wrapped_key"], name: name, keyID: keyID)
        do {
            let box = try ChaChaPoly.SealedBox(combined: row["sealed_value"] as Data)
            return String(decoding: try ChaChaPoly.open(box, using: dataKey, authenticating: binding("value", name)), as: UTF8.self)
        } catch {
            throw Self.notOpening(name)
        }
    }

    /// Wraps every data key with a new key-encryption key, then makes it the current one. The
    /// secrets themselves are not touched.
    /// - Returns: How many credentials were re-wrapped, and the new key's id.
    public func rotateKey() throws -> (rewrapped: Int, keyID: String) {
        let next = CredentialKey.generate()
        try next.save(home: home, next: true)
        let count = try database.write("re-wrap the credentials") { db in
            let rows = try Row.fetchAll(db, sql: "SELECT org, name, wrapped_key, kek_id FROM credentials")
            for row in rows {
                let (rowOrg, name): (String, String) = (row["org"], row["name"])
                let scoped = CredentialStore(database: database.scoped(to: OrgName(unchecked: rowOrg)), home: home)
                let dataKey = try scoped.unwrap(row["wrapped_key"], name: name, keyID: row["kek_id"])
                let wrapped = try ChaChaPoly.seal(dataKey.withUnsafeBytes { Data($0) }, using: next.key,
                                                  authenticating: scoped.binding("key", name, next.id)).combined
                try db.execute(sql: "UPDATE credentials SET wrapped_key = ?, kek_id = ? WHERE org = ? AND name = ?",
                               arguments: [wrapped, next.id, rowOrg, name])
            }
            return rows.count
        }
        try CredentialKey.promoteNext(home: home)
        return (count, next.id)
    }

    // MARK: - Keys and seals

    private func checkName(_ name: String) throws {
        guard Self.isValidName(name) else {
            throw NexusError(.invalidArgument, "'\(name.prefix(64))' is not a credential name; use \(Self.nameRule)")
        }
    }

    /// The key new credentials are wrapped with, made on first use.
    private func currentKey() throws -> CredentialKey {
        if let key = try CredentialKey.stored(home: home).first { return key }
        let key = CredentialKey.generate()
        try key.save(home: home)
        return key
    }

    private func unwrap(_ wrapped: Data, name: String, keyID: String) throws -> SymmetricKey {
        guard let kek = try CredentialKey.stored(home: home).first(where: { $0.id == keyID }) else {
            throw NexusError(.keyUnavailable, "the credential \(name) is wrapped by the key \(keyID), which is not in \(CredentialKey.file(home: home).deletingLastPathComponent().path); restore credentials.key from a backup")
        }
        do {
            return SymmetricKey(data: try ChaChaPoly.open(try ChaChaPoly.SealedBox(combined: wrapped), using: kek.key, authenticating: binding("key", name, keyID)))
        } catch {
            throw Self.notOpening(name)
        }
    }

    private static func notOpening(_ name: String) -> NexusError {
        NexusError(.keyUnavailable, "the credential \(name) does not open: it was altered, or moved from another name; set it again with `nexus credentials set \(name)`")
    }

    /// What a seal is bound to: its purpose, the org, the name (and for a data key, the key that wraps it).
    private func binding(_ purpose: String, _ name: String, _ keyID: String = "") -> Data {
        Data(["nexus-credential", purpose, org, name, keyID].joined(separator: "\u{0}").utf8)
    }
}
