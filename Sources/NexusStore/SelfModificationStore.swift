import Foundation
import GRDB
import NexusCore

/// Versioned self-modifications: the system prompt, the soul, and `settings.<name>` values that
/// the agent or the user change. Every change appends a version; a rollback appends a copy of an
/// older version. History is never edited or deleted (the table's triggers refuse it).
public struct SelfModificationStore: Sendable {
    let database: NexusDatabase

    /// The most characters a value may have.
    public static let maxValueLength = 100_000

    public init(database: NexusDatabase) {
        self.database = database
    }

    /// Sets `key` to `value` as a new version.
    /// - Parameters:
    ///   - key: "system_prompt", "soul" or "settings.<name>" (see `SelfModification.isValidKey`).
    ///   - value: The new value.
    ///   - reason: Why; required, for the history.
    ///   - actor: Who: "user", "agent", "run:<id>".
    /// - Returns: The new version number.
    /// - Throws: `NexusError(.invalidArgument)` for an unknown key, an empty reason or a value too
    ///   long, `.databaseFailed` when it cannot be saved.
    @discardableResult
    public func set(key: String, value: String, reason: String, actor: String) throws -> Int {
        try Self.check(key: key)
        guard value.count <= Self.maxValueLength else {
            throw NexusError(.invalidArgument, "the value for \(key) has \(value.count) characters; the most is \(Self.maxValueLength)")
        }
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else {
            throw NexusError(.invalidArgument, "changing \(key) needs a reason, for its history")
        }
        return try database.write("change \(key)") { db in
            try Self.append(key: key, value: value, reason: reason, actor: actor, restoredFrom: nil, db)
        }
    }

    /// The current value of `key`, or nil when it was never set.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func current(key: String) throws -> String? {
        try currentVersion(key: key)?.value
    }

    /// The current (latest) version of `key`, with who set it and why, or nil when it was never set.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func currentVersion(key: String) throws -> SelfModification? {
        try database.read("load \(key)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM self_modifications WHERE key = ? ORDER BY version DESC LIMIT 1", arguments: [key])
                .map(SelfModification.init(row:))
        }
    }

    /// Every version of `key`, oldest first.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func history(key: String) throws -> [SelfModification] {
        try database.read("load the history of \(key)") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM self_modifications WHERE key = ? ORDER BY version", arguments: [key])
                .map(SelfModification.init(row:))
        }
    }

    /// The current version of every key that was ever set, by key.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func currentAll() throws -> [SelfModification] {
        try database.read("load the current settings") { db in
            try Row.fetchAll(db, sql: """
                SELECT s.* FROM self_modifications s
                WHERE s.version = (SELECT max(version) FROM self_modifications WHERE key = s.key)
                ORDER BY s.key
                """).map(SelfModification.init(row:))
        }
    }

    /// Restores the value `key` had at `version`, as a new version; nothing is deleted.
    /// - Parameters:
    ///   - key: The key.
    ///   - version: The version whose value to restore.
    ///   - reason: Why; defaults to "rollback to version N".
    ///   - actor: Who.
    /// - Returns: The new version number.
    /// - Throws: `NexusError(.notFound)` when `key` has no such version (naming the versions it
    ///   has), `.invalidArgument` for an unknown key, `.databaseFailed` when it cannot be saved.
    @discardableResult
    public func rollback(key: String, to version: Int, reason: String? = nil, actor: String) throws -> Int {
        try Self.check(key: key)
        return try database.write("roll back \(key)") { db in
            guard let old = try Row.fetchOne(db, sql: "SELECT * FROM self_modifications WHERE key = ? AND version = ?",
                                             arguments: [key, version]).map(SelfModification.init(row:)) else {
                let latest = try Int.fetchOne(db, sql: "SELECT max(version) FROM self_modifications WHERE key = ?", arguments: [key])
                let known = latest.map { "it has versions 1 to \($0)" } ?? "it was never set"
                throw NexusError(.notFound, "\(key) has no version \(version) to roll back to; \(known)")
            }
            let text = reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return try Self.append(key: key, value: old.value, reason: text.isEmpty ? "rollback to version \(version)" : text,
                                   actor: actor, restoredFrom: version, db)
        }
    }

    private static func check(key: String) throws {
        guard SelfModification.isValidKey(key) else {
            throw NexusError(.invalidArgument, "'\(key)' cannot be modified; use system_prompt, soul, or settings.<name> (lowercase letters, digits, _ - .)")
        }
    }

    private static func append(key: String, value: String, reason: String, actor: String, restoredFrom: Int?, _ db: Database) throws -> Int {
        let version = (try Int.fetchOne(db, sql: "SELECT coalesce(max(version), 0) + 1 FROM self_modifications WHERE key = ?", arguments: [key])) ?? 1
        try db.execute(sql: """
            INSERT INTO self_modifications (key, version, value, reason, actor, restored_from, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [key, version, value, reason, actor, restoredFrom, Date().databaseSeconds])
        return version
    }
}

extension SelfModification {
    init(row: Row) throws {
        self.init(
            key: try row.value("key"),
            version: try row.value("version"),
            value: try row.value("value"),
            reason: try row.value("reason"),
            actor: try row.value("actor"),
            restoredFrom: try row.value("restored_from"),
            createdAt: try row.date("created_at"))
    }
}
