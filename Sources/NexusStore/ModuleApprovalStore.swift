public import Foundation
import GRDB
public import NexusCore

/// Whether modules the system makes (the crystallizer) wait for an admin before they are
/// promoted and installed.
public enum ModuleApprovalMode: String, Sendable, Hashable, CaseIterable {
    /// Installed as soon as they pass validation (a single-user home).
    case auto
    /// Kept as validated drafts until an admin approves them (a served install).
    case required

    /// The org setting's name.
    public static let setting = "module_approval"
}

/// A validated draft made by the system, waiting for (or past) an admin's decision.
public struct ModuleApproval: Sendable, Hashable {
    public enum Decision: String, Sendable, Hashable {
        case approved, rejected
    }

    public var draftID: String
    public var org: String
    public var name: String
    public var version: String
    /// The trace it was compiled from, for a crystallized module.
    public var traceRunID: String?
    public var requestedBy: String
    public var requestedAt: Date
    public var decision: Decision?
    public var decidedBy: String?
    public var decidedAt: Date?
    public var reason: String?

    public init(draftID: String, org: String = "default", name: String, version: String, traceRunID: String?, requestedBy: String,
                requestedAt: Date = Date(), decision: Decision? = nil, decidedBy: String? = nil, decidedAt: Date? = nil, reason: String? = nil) {
        self.draftID = draftID
        self.org = org
        self.name = name
        self.version = version
        self.traceRunID = traceRunID
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
        self.decision = decision
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.reason = reason
    }

    public var json: JSONValue {
        var object: JSONObject = ["draft_id": .string(draftID), "module": .string("\(name)@\(version)"), "name": .string(name),
                                  "version": .string(version), "requested_by": .string(requestedBy),
                                  "requested_at": .string(requestedAt.ISO8601Format()), "status": .string(decision?.rawValue ?? "pending")]
        if let traceRunID { object["trace"] = .string(traceRunID) }
        if let decidedBy { object["decided_by"] = .string(decidedBy) }
        if let decidedAt { object["decided_at"] = .string(decidedAt.ISO8601Format()) }
        if let reason { object["reason"] = .string(reason) }
        return .object(object)
    }
}

/// The approvals of modules and the org setting that asks for them.
public struct ModuleApprovalStore: Sendable {
    public let database: NexusDatabase
    /// The org whose approvals and setting these are: the database handle's.
    public var org: String { database.org.rawValue }

    public init(database: NexusDatabase) {
        self.database = database
    }

    /// The org's setting, or `fallback` when it was never set.
    public func mode(fallback: ModuleApprovalMode) throws -> ModuleApprovalMode {
        try storedMode() ?? fallback
    }

    /// The setting as stored, nil when never set.
    public func storedMode() throws -> ModuleApprovalMode? {
        let org = self.org
        return try database.read("read the module approval setting") { db in
            try String.fetchOne(db, sql: "SELECT value FROM org_settings WHERE org = ? AND name = ?", arguments: [org, ModuleApprovalMode.setting])
        }.flatMap(ModuleApprovalMode.init(rawValue:))
    }

    public func setMode(_ mode: ModuleApprovalMode) throws {
        let org = self.org
        try database.write("set the module approval setting") { db in
            try db.execute(sql: """
                INSERT INTO org_settings (org, name, value, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (org, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """, arguments: [org, ModuleApprovalMode.setting, mode.rawValue, Date().timeIntervalSince1970])
        }
    }

    /// Records that a validated draft waits for approval (again, if it waited before: nothing changes).
    /// Asks for an approval in this store's org (whatever `approval.org` says).
    public func request(_ approval: ModuleApproval) throws {
        try database.write("ask for the approval of \(approval.name)@\(approval.version)") { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO module_approvals (draft_id, org, name, version, trace_run_id, requested_by, requested_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [approval.draftID, org, approval.name, approval.version, approval.traceRunID,
                                 approval.requestedBy, approval.requestedAt.timeIntervalSince1970])
        }
    }

    /// Approvals, newest first: pending ones only, or all.
    public func list(pendingOnly: Bool = true) throws -> [ModuleApproval] {
        try database.read("list module approvals") { db in try Self.list(org, pendingOnly: pendingOnly, db) }
    }

    /// ``list(pendingOnly:)`` from async code.
    public func listAsync(pendingOnly: Bool) async throws -> [ModuleApproval] {
        let org = self.org
        return try await database.readAsync("list module approvals") { db in try Self.list(org, pendingOnly: pendingOnly, db) }
    }

    private static func list(_ org: String, pendingOnly: Bool, _ db: Database) throws -> [ModuleApproval] {
        try Row.fetchAll(db, sql: "SELECT * FROM module_approvals WHERE org = ? \(pendingOnly ? "AND decision IS NULL" : "") ORDER BY requested_at DESC",
                         arguments: [org]).map(Self.approval)
    }

    /// The approval of a draft id, or of a module reference (`NAME` or `NAME@VERSION`: the newest pending one).
    public func find(_ reference: String) throws -> ModuleApproval? {
        let org = self.org
        let id = reference.hasPrefix("nexus://") ? String(reference.dropFirst(8)) : reference
        let parts = reference.split(separator: "@", maxSplits: 1).map(String.init)
        return try database.read("find a module approval") { db in
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM module_approvals WHERE org = ? AND draft_id = ?", arguments: [org, id]) {
                return try Self.approval(row)
            }
            let version = parts.count == 2 ? parts[1] : nil
            return try Row.fetchOne(db, sql: """
                SELECT * FROM module_approvals WHERE org = ? AND name = ? AND (? IS NULL OR version = ?)
                ORDER BY decision IS NULL DESC, requested_at DESC LIMIT 1
                """, arguments: [org, parts[0], version, version]).map(Self.approval)
        }
    }

    /// Whether a trace already has a module waiting or rejected (the crystallizer does not make
    /// another draft of it).
    public func isWaitingOrRejected(traceRunID: String) throws -> Bool {
        try database.read("check a trace's approvals") { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM module_approvals WHERE trace_run_id = ? AND (decision IS NULL OR decision = 'rejected') LIMIT 1",
                              arguments: [traceRunID]) ?? false
        }
    }

    static func decide(_ approval: ModuleApproval, _ db: Database) throws {
        try db.execute(sql: """
            UPDATE module_approvals SET decision = ?, decided_by = ?, decided_at = ?, reason = ? WHERE draft_id = ? AND decision IS NULL
            """, arguments: [approval.decision?.rawValue, approval.decidedBy, approval.decidedAt?.timeIntervalSince1970, approval.reason, approval.draftID])
        guard db.changesCount == 1 else {
            throw NexusError(NexusError.Code("lifecycle_refused"), "\(approval.name)@\(approval.version) is not waiting for approval (it was decided already)")
        }
    }

    private static func approval(_ row: Row) throws -> ModuleApproval {
        ModuleApproval(draftID: row["draft_id"], org: row["org"], name: row["name"], version: row["version"], traceRunID: row["trace_run_id"],
                       requestedBy: row["requested_by"], requestedAt: try row.date("requested_at"),
                       decision: try row.optionalEnumValue("decision"), decidedBy: row["decided_by"],
                       decidedAt: try row.optionalDate("decided_at"), reason: row["reason"])
    }
}
