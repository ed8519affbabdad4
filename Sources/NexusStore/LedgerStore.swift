import Foundation
import GRDB
public import NexusCore

/// The rows of the signed ledger: entries (leaves of the Merkle log) and checkpoints. Hashing and
/// signing belong to the caller (`NexusModules`' `Ledger`); this store keeps the rows and appends
/// an entry, its checkpoint and the changes it records in one transaction.
public struct LedgerStore: Sendable {
    let database: NexusDatabase

    public init(database: NexusDatabase) {
        self.database = database
    }

    /// Appends one entry and its checkpoint, with the changes the entry records, all or nothing.
    /// - Parameters:
    ///   - changes: Graph and module changes saved in the same transaction.
    ///   - entry: Given every entry already in the log (in order), returns the new signed entry
    ///     (at position `existing.count`) and the signed checkpoint of the log including it.
    /// - Returns: The stored entry.
    /// - Throws: Whatever `entry` throws; `NexusError(.databaseFailed)` when it cannot be saved.
    @discardableResult
    public func append(changes: [StoreChange] = [],
                       entry: ([LedgerEntryRecord]) throws -> (LedgerEntryRecord, LedgerCheckpointRecord)) throws -> LedgerEntryRecord {
        try database.write("append to the ledger") { db in
            for change in changes { try change.apply(db) }
            let existing = try Self.fetchEntries(db)
            let (new, checkpoint) = try entry(existing)
            guard new.position == existing.count, checkpoint.treeSize == existing.count + 1 else {
                throw NexusError(.invalidArgument, "a ledger entry must be appended at position \(existing.count)")
            }
            try db.execute(sql: """
                INSERT INTO ledger_entries (position, action, subject, actor, time_ms, detail, key_id, signature)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [new.position, new.action, new.subject, new.actor, new.timeMillis, JSONValue.object(new.detail).jsonText,
                                 new.keyID, new.signature])
            try db.execute(sql: "INSERT INTO ledger_checkpoints (tree_size, root_hash, time_ms, key_id, signature) VALUES (?, ?, ?, ?, ?)",
                           arguments: [checkpoint.treeSize, checkpoint.rootHash, checkpoint.timeMillis, checkpoint.keyID, checkpoint.signature])
            return new
        }
    }

    /// Every entry, in log order.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func entries() throws -> [LedgerEntryRecord] {
        try database.read("load the ledger") { db in try Self.fetchEntries(db) }
    }

    /// Every checkpoint, smallest tree first.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func checkpoints() throws -> [LedgerCheckpointRecord] {
        try database.read("load the ledger checkpoints") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ledger_checkpoints ORDER BY tree_size").map { row in
                LedgerCheckpointRecord(treeSize: try row.value("tree_size"), rootHash: try row.value("root_hash"),
                                       timeMillis: try row.value("time_ms"), keyID: try row.value("key_id"), signature: try row.value("signature"))
            }
        }
    }

    private static func fetchEntries(_ db: Database) throws -> [LedgerEntryRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM ledger_entries ORDER BY position").map { row in
            LedgerEntryRecord(position: try row.value("position"), action: try row.value("action"), subject: try row.value("subject"),
                              actor: try row.value("actor"), timeMillis: try row.value("time_ms"),
                              detail: try row.json("detail").objectValue ?? JSONObject(), keyID: try row.value("key_id"),
                              signature: try row.value("signature"))
        }
    }
}
