import Foundation
import GRDB
public import NexusCore

/// How often a trace was used (its own run plus the runs that followed it) and how they went:
/// what crystallization candidates are chosen by. A follower that failed and was finished by the
/// model keeps the trace as `followed_run_id` with mode "learner", and counts as a failed use.
public struct TraceReuse: Sendable, Hashable {
    public var trace: Trace
    public var uses: Int
    public var successes: Int

    public init(trace: Trace, uses: Int, successes: Int) {
        self.trace = trace
        self.uses = uses
        self.successes = successes
    }

    public var successRate: Double { uses == 0 ? 0 : Double(successes) / Double(uses) }
}

extension TraceStore {
    /// Proven traces of this exact signature: completed runs judged a success, newest first.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func proven(signature: String, limit: Int = 20) throws -> [Trace] {
        try database.read("load proven traces") { db in
            try fetch(db, where: "traces.signature = ? AND runs.status = 'completed' AND runs.outcome = 'success' AND \(learnedFrom.condition)",
                           StatementArguments([signature] + learnedFrom.arguments),
                           order: "traces.recorded_at DESC, traces.run_id", limit: limit)
        }
    }

    /// A trace and the runs that followed it, with how many succeeded.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func reuse(of runID: String) throws -> TraceReuse? {
        try database.read("count the reuse of trace \(runID)") { db in
            guard let trace = try fetch(db, where: "traces.run_id = ?", [runID]).first else { return nil }
            return try Self.reuse(of: trace, db)
        }
    }

    /// Traces that were not followers themselves and are not crystallized yet, each with its reuse,
    /// most used first: the pool crystallization candidates come from.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func uncrystallizedOriginals(limit: Int = 200) throws -> [TraceReuse] {
        try database.read("list crystallization candidates") { db in
            let traces = try fetch(db, where: """
                traces.crystallized_into IS NULL AND runs.mode IN ('learner', 'mixed', 'taught') AND \(Self.notDemoted)
                AND runs.status = 'completed' AND runs.outcome = 'success'
                """, order: "traces.recorded_at DESC, traces.run_id", limit: limit)
            return try traces.map { try Self.reuse(of: $0, db) }.sorted { $0.uses > $1.uses }
        }
    }

    /// The module the newest crystallized trace of this signature was compiled into, if any
    /// (demoted traces left out: their modules were rolled back or are passed over).
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func crystallizedModule(signature: String) throws -> (module: String, trace: Trace)? {
        try database.read("find the module of a task shape") { db in
            guard let trace = try fetch(db, where: "traces.signature = ? AND traces.crystallized_into IS NOT NULL AND \(Self.notDemoted) AND \(learnedFrom.condition)",
                                             StatementArguments([signature] + learnedFrom.arguments),
                                             order: "traces.recorded_at DESC, traces.run_id").first,
                  let module = trace.crystallizedInto else { return nil }
            return (module, trace)
        }
    }

    /// The runs that followed a trace successfully, newest first.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func successfulFollowers(of runID: String, limit: Int) throws -> [String] {
        try database.read("list the followers of \(runID)") { db in
            try String.fetchAll(db, sql: """
                SELECT id FROM runs WHERE followed_run_id = ? AND mode = 'follower' AND outcome = 'success' AND status = 'completed'
                ORDER BY created_at DESC LIMIT ?
                """, arguments: [runID, max(limit, 0)])
        }
    }

    /// Marks a trace as compiled into `module` (NAME@VERSION).
    /// - Throws: `NexusError(.notFound)` when there is no such trace, `.databaseFailed` when it cannot be saved.
    public func markCrystallized(runID: String, module: String) throws {
        try database.write("mark trace \(runID) crystallized") { db in
            try db.execute(sql: "UPDATE traces SET crystallized_into = ? WHERE run_id = ? AND org = ?", arguments: [module, runID, database.org.rawValue])
            if db.changesCount == 0 {
                throw NexusError(.notFound, "there is no trace of run \(runID) to mark")
            }
        }
    }

    /// Runs that called a crystallized module version (NAME@VERSION), and how many succeeded; a
    /// run whose module failed and was finished by the model (mode "learner") counts as a failure.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func moduleRuns(module: String) throws -> (runs: Int, successes: Int) {
        try database.read("count the runs of module \(module)") { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT count(*) AS runs, coalesce(sum(mode = 'crystallized' AND outcome = 'success'), 0) AS successes
                FROM runs WHERE mode IN ('crystallized', 'learner') AND module = ?
                """, arguments: [module])
            return (try row?.value("runs") ?? 0, try row?.value("successes") ?? 0)
        }
    }

    private static func reuse(of trace: Trace, _ db: Database) throws -> TraceReuse {
        let row = try Row.fetchOne(db, sql: """
            SELECT count(*) AS uses, coalesce(sum(mode = 'follower' AND outcome = 'success'), 0) AS successes
            FROM runs WHERE followed_run_id = ? AND mode IN ('follower', 'learner') AND status != 'running'
            """, arguments: [trace.runID])
        let followers: Int = try row?.value("uses") ?? 0
        let followed: Int = try row?.value("successes") ?? 0
        return TraceReuse(trace: trace, uses: 1 + followers, successes: (trace.outcome == .success ? 1 : 0) + followed)
    }
}
