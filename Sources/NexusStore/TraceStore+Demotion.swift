import Foundation
import GRDB
public import NexusCore

extension TraceStore {
    /// Demotes a trace: from now on it is neither followed nor run as a module (see
    /// `Trace.demotedBecause`). A trace already demoted keeps its demotion.
    /// - Parameters:
    ///   - runID: The trace's run id.
    ///   - judgedRunID: The run judged bad that replayed it.
    ///   - reason: Why, in words.
    ///   - module: The module (NAME@VERSION) it had been compiled into, if any.
    ///   - moduleAction: What was done to that module, in words.
    /// - Returns: The demotion in force.
    /// - Throws: `NexusError(.notFound)` when there is no such trace, `.databaseFailed` when it cannot be saved.
    @discardableResult
    public func demote(runID: String, judgedRunID: String, reason: String, module: String?, moduleAction: String) throws -> TraceDemotion {
        try database.write("demote trace \(runID)") { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM traces WHERE run_id = ? AND org = ?)",
                                    arguments: [runID, database.org.rawValue]) == true else {
                throw NexusError(.notFound, "there is no trace of run \(runID) to demote; see `nexus traces list`")
            }
            if let current = try Self.demotions(db, runID: runID).last(where: { $0.liftedAt == nil }) { return current }
            try db.execute(sql: """
                INSERT INTO trace_demotions (run_id, judged_run_id, reason, module, module_action, demoted_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [runID, judgedRunID, reason, module, moduleAction, Date().databaseSeconds])
            guard let made = try Self.demotions(db, runID: runID).last else {
                throw NexusError(.databaseFailed, "the demotion of trace \(runID) was written but cannot be read back")
            }
            return made
        }
    }

    /// Lifts the demotion in force on a trace, if any.
    /// - Returns: The lifted demotion, or nil when none was in force.
    /// - Throws: `NexusError(.databaseFailed)` when it cannot be saved.
    @discardableResult
    public func liftDemotion(runID: String, reason: String) throws -> TraceDemotion? {
        try database.write("promote trace \(runID) again") { db in
            guard var current = try Self.demotions(db, runID: runID).last(where: { $0.liftedAt == nil }) else { return nil }
            let now = Date()
            try db.execute(sql: "UPDATE trace_demotions SET lifted_at = ?, lift_reason = ? WHERE id = ?",
                           arguments: [now.databaseSeconds, reason, current.id])
            current.liftedAt = now
            current.liftReason = reason
            return current
        }
    }

    /// Every demotion of a trace, oldest first (lifted ones included).
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func demotions(of runID: String) throws -> [TraceDemotion] {
        try database.read("load the demotions of trace \(runID)") { db in try Self.demotions(db, runID: runID) }
    }

    /// The runs that used a trace (its own, its followers, runs guided by it or by a follower of
    /// it) judged a success by a person (`nexus feedback RUN good`) or a check after its demotion
    /// in force, oldest verdict first: the good outcomes that can promote it again.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func goodOutcomesSinceDemotion(of runID: String) throws -> [String] {
        try database.read("count good outcomes of trace \(runID)") { db in
            guard let current = try Self.demotions(db, runID: runID).last(where: { $0.liftedAt == nil }) else { return [] }
            return try String.fetchAll(db, sql: """
                SELECT id FROM runs
                WHERE (id = ? OR followed_run_id = ? OR followed_run_id IN (SELECT id FROM runs WHERE followed_run_id = ? AND mode = 'follower'))
                AND updated_at >= ? AND outcome = 'success' AND outcome_source IN ('feedback', 'check') AND status = 'completed'
                ORDER BY updated_at, id
                """, arguments: [runID, runID, runID, current.demotedAt.databaseSeconds])
        }
    }

    private static func demotions(_ db: Database, runID: String) throws -> [TraceDemotion] {
        try Row.fetchAll(db, sql: "SELECT * FROM trace_demotions WHERE run_id = ? ORDER BY id", arguments: [runID]).map { row in
            TraceDemotion(
                id: try row.value("id"), runID: try row.value("run_id"), judgedRunID: try row.value("judged_run_id"),
                reason: try row.value("reason"), module: try row.value("module"), moduleAction: try row.value("module_action"),
                demotedAt: try row.date("demoted_at"), liftedAt: try row.optionalDate("lifted_at"), liftReason: try row.value("lift_reason"))
        }
    }
}
