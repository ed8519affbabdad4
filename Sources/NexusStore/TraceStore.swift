import Foundation
import GRDB
public import NexusCore

/// Execution traces: one summary row per run, derived from the run and its steps, kept for HOPE
/// (matching new tasks to proven ones, counting usage and success, crystallizing).
///
/// Traces live beside runs rather than inside `RunStore` because they have another life cycle:
/// a run's record changes at every step, while a trace is written once the run is over (and
/// again if it is re-recorded), is indexed for similarity search by task signature, and is what
/// HOPE reads. Status and outcome are not copied: they are read from the run, so feedback given
/// after recording shows up in the trace.
///
/// Every query is scoped to the org of the database handle: a trace of another org's run is
/// never recorded, read, matched or counted here, so HOPE learns only within an org.
public struct TraceStore: Sendable {
    let database: NexusDatabase
    /// Whose runs the matching queries (`proven`, `similar`, `crystallizedModule`) may return.
    public let learnedFrom: TraceOwners

    /// - Parameters:
    ///   - database: Where the traces are.
    ///   - learnedFrom: Whose runs HOPE may learn from; `.anyone` only for listings and the
    ///     crystallizer, never for dispatching a run.
    public init(database: NexusDatabase, learnedFrom: TraceOwners = .anyone) {
        self.database = database
        self.learnedFrom = learnedFrom
    }

    /// Derives the trace of a run from its record and steps and stores it, replacing an earlier one.
    /// - Parameter runID: The run's exact id.
    /// - Returns: The stored trace.
    /// - Throws: `NexusError(.notFound)` when there is no such run, `.databaseFailed` when it cannot be saved.
    @discardableResult
    public func record(runID: String) throws -> Trace {
        try database.write("record the trace of run \(runID)") { db in try record(runID: runID, db) }
    }

    /// ``record(runID:)`` from async code, through GRDB's async access.
    @discardableResult
    public func recordTrace(runID: String) async throws -> Trace {
        try await database.writeAsync("record the trace of run \(runID)") { db in try record(runID: runID, db) }
    }

    /// The trace of a run, or nil, read from async code.
    public func loadTrace(runID: String) async throws -> Trace? {
        try await database.readAsync("load the trace of run \(runID)") { db in
            try fetch(db, where: "traces.run_id = ?", [runID]).first
        }
    }

    /// The most recently recorded traces of runs in `scope` first, read from async code.
    public func loadTraces(limit: Int, scope: RunScope) async throws -> [Trace] {
        let (condition, arguments): (String, StatementArguments) = switch scope {
        case .all: ("1", [])
        case .ownedBy(let keyID): ("runs.owner_key_id = ?", [keyID])
        case .unowned: ("runs.owner_key_id IS NULL", [])
        }
        return try await database.readAsync("list traces") { db in
            try fetch(db, where: condition, arguments, order: "traces.recorded_at DESC, traces.run_id", limit: limit)
        }
    }

    private func record(runID: String, _ db: Database) throws -> Trace {
        guard let run = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ? AND org = ?", arguments: [runID, database.org.rawValue])
            .map(RunRecord.init(row:)) else {
            throw NexusError(.notFound, "there is no run \(runID) to record a trace of")
        }
        let steps = try Row.fetchAll(db, sql: "SELECT * FROM run_steps WHERE run_id = ? ORDER BY position", arguments: [runID])
            .map(RunStep.init(row:))
        let tools = steps.compactMap(\.tool)
        let failed = steps.filter { $0.status == "error" || $0.status == "refused" }.count
        let stepPrompt = steps.reduce(0) { $0 + $1.promptTokens }
        let stepCompletion = steps.reduce(0) { $0 + $1.completionTokens }
        try db.execute(sql: """
            INSERT INTO traces (run_id, signature, tool_sequence, step_count, tool_calls, failed_steps, prompt_tokens,
                                completion_tokens, tool_seconds, wall_seconds, recorded_at, org)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (run_id) DO UPDATE SET
                signature = excluded.signature, tool_sequence = excluded.tool_sequence, step_count = excluded.step_count,
                tool_calls = excluded.tool_calls, failed_steps = excluded.failed_steps, prompt_tokens = excluded.prompt_tokens,
                completion_tokens = excluded.completion_tokens, tool_seconds = excluded.tool_seconds,
                wall_seconds = excluded.wall_seconds, recorded_at = excluded.recorded_at
            """, arguments: [
                runID, TaskSignature.of(run.task), tools.jsonText, steps.count, tools.count, failed,
                run.promptTokens > 0 ? run.promptTokens : stepPrompt,
                run.completionTokens > 0 ? run.completionTokens : stepCompletion,
                steps.reduce(0) { $0 + $1.durationSeconds },
                max(0, run.updatedAt.timeIntervalSince(run.createdAt)),
                Date().databaseSeconds, run.org.rawValue,
            ])
        guard let trace = try fetch(db, where: "traces.run_id = ?", [runID]).first else {
            throw NexusError(.databaseFailed, "the trace of run \(runID) was written but cannot be read back")
        }
        return trace
    }

    /// The trace of a run, or nil when none was recorded.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func trace(runID: String) throws -> Trace? {
        try database.read("load the trace of run \(runID)") { db in
            try fetch(db, where: "traces.run_id = ?", [runID]).first
        }
    }

    /// The most recently recorded traces first.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func list(limit: Int = 50) throws -> [Trace] {
        try database.read("list traces") { db in
            try fetch(db, order: "traces.recorded_at DESC, traces.run_id", limit: limit)
        }
    }

    /// Traces whose task signature shares words with `task`'s, most similar first (bm25 over
    /// signatures; the score is higher for closer matches and comparable within one call only).
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func similar(to task: String, limit: Int = 5) throws -> [(trace: Trace, score: Double)] {
        guard limit > 0, let match = FullTextQuery.matchExpression(TaskSignature.of(task)) else { return [] }
        return try database.read("search traces") { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(Self.columns), bm25(traces_fts) AS rank
                FROM traces_fts JOIN traces ON traces.rowid = traces_fts.rowid JOIN runs ON runs.id = traces.run_id
                WHERE traces_fts MATCH ? AND runs.org = ? AND \(learnedFrom.condition)
                ORDER BY rank, traces.recorded_at DESC
                LIMIT ?
                """, arguments: StatementArguments([match, database.org.rawValue] + learnedFrom.arguments + [limit]))
            return try rows.map { (trace: try Trace(row: $0), score: -(try $0.value("rank") as Double)) }
        }
    }

    /// The traces with exactly this signature (see `TaskSignature.of`), newest first.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func traces(signature: String, limit: Int = 50) throws -> [Trace] {
        try database.read("load traces by signature") { db in
            try fetch(db, where: "traces.signature = ?", [signature], order: "traces.recorded_at DESC, traces.run_id", limit: limit)
        }
    }

    /// How often a task shape was run and how it went.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func usage(signature: String) throws -> TraceUsage {
        try database.read("count trace usage") { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT count(*) AS runs,
                       coalesce(sum(runs.status = 'completed'), 0) AS completed,
                       coalesce(sum(runs.outcome = 'success'), 0) AS successes,
                       coalesce(sum(runs.outcome = 'failure'), 0) AS failures,
                       coalesce(avg(traces.prompt_tokens + traces.completion_tokens), 0) AS tokens,
                       coalesce(avg(traces.wall_seconds), 0) AS wall
                FROM traces JOIN runs ON runs.id = traces.run_id
                WHERE traces.signature = ? AND runs.org = ?
                """, arguments: [signature, database.org.rawValue])
            return TraceUsage(
                signature: signature,
                runs: try row?.value("runs") ?? 0,
                completed: try row?.value("completed") ?? 0,
                successes: try row?.value("successes") ?? 0,
                failures: try row?.value("failures") ?? 0,
                averageTokens: try row?.value("tokens") ?? 0,
                averageWallSeconds: try row?.value("wall") ?? 0)
        }
    }

    static let columns = """
        traces.*, runs.task AS task, runs.model AS model, runs.status AS status, runs.outcome AS outcome,
        runs.outcome_source AS outcome_source, runs.created_at AS run_created_at, runs.mode AS mode,
        runs.followed_run_id AS followed_run_id,
        (SELECT d.reason FROM trace_demotions d WHERE d.run_id = traces.run_id AND d.lifted_at IS NULL ORDER BY d.id DESC LIMIT 1)
            AS demoted_because
        """

    /// A condition on `traces`: no demotion of the trace is in force.
    static let notDemoted = "NOT EXISTS (SELECT 1 FROM trace_demotions d WHERE d.run_id = traces.run_id AND d.lifted_at IS NULL)"

    /// The traces of this store's org that meet `condition`: every read of traces goes through here.
    func fetch(_ db: Database, where condition: String = "1", _ arguments: StatementArguments = [],
               order: String = "traces.run_id", limit: Int = 1) throws -> [Trace] {
        var arguments = arguments
        arguments += [database.org.rawValue, max(limit, 0)]
        return try Row.fetchAll(db, sql: """
            SELECT \(Self.columns) FROM traces JOIN runs ON runs.id = traces.run_id
            WHERE (\(condition)) AND runs.org = ? ORDER BY \(order) LIMIT ?
            """, arguments: arguments).map(Trace.init(row:))
    }
}

extension Trace {
    init(row: Row) throws {
        self.init(
            runID: try row.value("run_id"),
            task: try row.value("task"),
            signature: try row.value("signature"),
            model: try row.value("model"),
            toolSequence: try row.stringArray("tool_sequence"),
            stepCount: try row.value("step_count"),
            toolCalls: try row.value("tool_calls"),
            failedSteps: try row.value("failed_steps"),
            promptTokens: try row.value("prompt_tokens"),
            completionTokens: try row.value("completion_tokens"),
            toolSeconds: try row.value("tool_seconds"),
            wallSeconds: try row.value("wall_seconds"),
            status: try row.enumValue("status"),
            outcome: try row.optionalEnumValue("outcome"),
            outcomeSource: try row.optionalEnumValue("outcome_source"),
            createdAt: try row.date("run_created_at"),
            recordedAt: try row.date("recorded_at"),
            mode: try row.enumValue("mode"),
            followedRunID: try row.value("followed_run_id"),
            crystallizedInto: try row.value("crystallized_into"),
            demotedBecause: try row.value("demoted_because"),
            postConditions: try (row.value("postconditions") as String?).flatMap { try? JSONDecoder().decode(PostConditions.self, from: Data($0.utf8)) })
    }
}

/// Whose runs a trace query may return. On a shared server, one key's traces must never steer,
/// or be quoted to, another key's runs: a run learns only from runs of its own owner.
public enum TraceOwners: Sendable, Hashable {
    /// Every run's traces: listings (`nexus traces`) and the crystallizer.
    case anyone
    /// Only runs started by this key (nil: runs started outside the server, by `nexus run`).
    case owner(String?)

    var condition: String {
        switch self {
        case .anyone: "1"
        case .owner: "runs.owner_key_id IS ?"
        }
    }

    var arguments: [(any DatabaseValueConvertible)?] {
        switch self {
        case .anyone: []
        case .owner(let key): [key]
        }
    }
}
