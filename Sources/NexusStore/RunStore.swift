import Foundation
import GRDB
public import NexusCore

/// Runs of the agent loop and their steps, saved durably so that a run survives a crash.
///
/// The loop calls `save(run:appending:)` after every step: the run's whole record (with its
/// opaque `state`) and the new steps are written in one transaction, so what is on disk is always
/// a consistent point to resume from. `unfinished()` lists what was still running.
///
/// Every query is scoped to the org of the database handle (``NexusDatabase/org``): another
/// org's runs and steps are never read, written or listed, and a run is created in that org.
public struct RunStore: Sendable {
    let database: NexusDatabase
    private var org: String { database.org.rawValue }

    public init(database: NexusDatabase) {
        self.database = database
    }

    /// Stores a new run.
    /// - Throws: `NexusError(.invalidArgument)` when a run with the same id exists,
    ///   `.databaseFailed` when it cannot be saved.
    public func create(_ run: RunRecord) throws {
        try database.write("create run \(run.id)") { db in
            if try Self.exists(run.id, org: nil, db) {
                throw NexusError(.invalidArgument, "a run with id \(run.id) already exists; use RunRecord.newID() for a new one")
            }
            try Self.upsert(run, org: org, db)
        }
    }

    /// Stores a new run with a fresh id, status "running", created now.
    /// - Parameters:
    ///   - task: The task as the user gave it.
    ///   - model: The model that runs it.
    ///   - workspace: The folder its tools work in.
    ///   - policy: Its capability policy, as JSON.
    ///   - state: The loop's initial state, as JSON.
    /// - Returns: The stored record.
    /// - Throws: `NexusError(.databaseFailed)` when it cannot be saved.
    @discardableResult
    public func create(task: String, model: String, workspace: String, policy: JSONValue, state: JSONValue) throws -> RunRecord {
        let run = RunRecord(task: task, model: model, workspace: workspace, policy: policy, state: state)
        try create(run)
        return run
    }

    /// Replaces a stored run's record.
    /// - Throws: `NexusError(.notFound)` when there is no run with this id, `.databaseFailed` when it cannot be saved.
    public func update(_ run: RunRecord) throws {
        try save(run: run, appending: [], mustExist: true)
    }

    /// Saves a run's whole record and appends steps, in one transaction; the run is created if
    /// it is new. Steps are kept in the order they are appended (several may share an index:
    /// the tool calls of one turn).
    /// - Parameters:
    ///   - run: The run's current record.
    ///   - steps: Steps taken since the last save; each must have `runID == run.id`.
    /// - Throws: `NexusError(.invalidArgument)` for a step of another run (nothing is saved),
    ///   `.databaseFailed` when it cannot be saved (nothing is saved).
    public func save(run: RunRecord, appending steps: [RunStep]) throws {
        try save(run: run, appending: steps, mustExist: false)
    }

    private func save(run: RunRecord, appending steps: [RunStep], mustExist: Bool) throws {
        if let stray = steps.first(where: { $0.runID != run.id }) {
            throw NexusError(.invalidArgument, "step \(stray.index) belongs to run \(stray.runID), not to run \(run.id); nothing was saved")
        }
        try database.write("save run \(run.id)") { db in
            if mustExist, try !Self.exists(run.id, org: org, db) {
                throw NexusError(.notFound, "there is no run \(run.id) to update; create it first")
            }
            try Self.upsert(run, org: org, db)
            try Self.append(steps, to: run.id, db)
        }
    }

    private static func append(_ steps: [RunStep], to runID: String, _ db: Database) throws {
        var position = try Int.fetchOne(db, sql: "SELECT coalesce(max(position) + 1, 0) FROM run_steps WHERE run_id = ?",
                                        arguments: [runID]) ?? 0
        for step in steps {
            try db.execute(sql: """
                INSERT INTO run_steps (run_id, position, step_index, tool, arguments, status, result_digest, result_excerpt,
                                       result, duration_seconds, prompt_tokens, completion_tokens, created_at, sandbox_cpu_seconds)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    step.runID, position, step.index, step.tool, step.arguments?.jsonText, step.status, step.resultDigest,
                    step.resultExcerpt, step.result, step.durationSeconds, step.promptTokens, step.completionTokens,
                    step.createdAt.databaseSeconds, step.sandboxCPUSeconds,
                ])
            position += 1
        }
    }

    /// The run with exactly this id, or nil.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func run(id: String) throws -> RunRecord? {
        try database.read("load run \(id)") { db in try Self.fetch(id: id, org: org, db) }
    }

    /// The run whose id is `text` or starts with it (with or without the "run_" prefix), for
    /// commands such as `nexus runs show 7k2m`.
    /// - Returns: The run, or nil when no id matches.
    /// - Throws: `NexusError(.invalidArgument)` when the prefix matches several runs (naming some)
    ///   or is empty, `.databaseFailed` when the database cannot be read.
    public func run(matching text: String) throws -> RunRecord? {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else {
            throw NexusError(.invalidArgument, "give a run id or the start of one (see `nexus runs list`)")
        }
        if let exact = try run(id: text) { return exact }
        let prefix = text.hasPrefix("run_") ? text : "run_" + text
        return try database.read("find run \(text)") { db in
            let ids = try String.fetchAll(db, sql: "SELECT id FROM runs WHERE id LIKE ? ESCAPE '\\' AND org = ? ORDER BY id LIMIT 6",
                                          arguments: [likePattern(prefix: prefix), org])
            guard let id = ids.first else { return nil }
            guard ids.count == 1 else {
                throw NexusError(.invalidArgument, "'\(text)' matches several runs (\(ids.prefix(5).joined(separator: ", "))\(ids.count > 5 ? ", ..." : "")); give more characters of the id")
            }
            return try Self.fetch(id: id, org: org, db)
        }
    }

    /// A run's steps in the order they were saved (none for another org's run).
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func steps(runID: String) throws -> [RunStep] {
        try database.read("load the steps of run \(runID)") { db in try Self.steps(runID: runID, org: org, db) }
    }

    /// The newest runs first.
    /// - Parameters:
    ///   - limit: The most runs returned.
    ///   - status: Only runs with this status, when given.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func list(limit: Int = 50, status: RunStatus? = nil) throws -> [RunRecord] {
        try database.read("list runs") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM runs WHERE org = ?1 AND (?2 IS NULL OR status = ?2) ORDER BY created_at DESC, id LIMIT ?3",
                             arguments: [org, status?.rawValue, max(limit, 0)]).map(RunRecord.init(row:))
        }
    }

    /// Runs still marked "running", oldest first: after a crash, the runs to resume or to close.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func unfinished() throws -> [RunRecord] {
        try database.read("list unfinished runs") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM runs WHERE status = 'running' AND org = ? ORDER BY created_at, id", arguments: [org])
                .map(RunRecord.init(row:))
        }
    }

    /// Records how a run turned out (`nexus feedback`, a check, or the model's own verdict).
    /// - Throws: `NexusError(.notFound)` when there is no such run, `.databaseFailed` when it
    ///   cannot be saved.
    public func setOutcome(runID: String, outcome: RunOutcome, source: OutcomeSource) throws {
        try database.write("set the outcome of run \(runID)") { db in
            try db.execute(sql: "UPDATE runs SET outcome = ?, outcome_source = ?, updated_at = ? WHERE id = ? AND org = ?",
                           arguments: [outcome.rawValue, source.rawValue, Date().databaseSeconds, runID, org])
            if db.changesCount == 0 {
                throw NexusError(.notFound, "there is no run \(runID); see `nexus runs list`")
            }
        }
    }

    // MARK: - Owners and endings, from async code (the server)

    /// Ends a run that is still marked running with `status`, keeping `failure` as the reason,
    /// so that no exit path (a backend error, a lost store write, a cancelled stream) leaves a
    /// run `running` for ever. A run that already ended is left as it is.
    /// - Returns: Whether the run was still running (and is now ended).
    /// - Throws: `NexusError(.databaseFailed)` when it cannot be saved.
    @discardableResult
    public func endIfRunning(runID: String, status: RunStatus, failure: String?) async throws -> Bool {
        let org = self.org
        return try await write("end run \(runID)") { db in
            try db.execute(sql: """
                UPDATE runs SET status = ?, failure = coalesce(?, failure), updated_at = ?,
                    outcome = CASE WHEN ? = 'failed' THEN 'failure' ELSE coalesce(outcome, 'unknown') END,
                    outcome_source = CASE WHEN ? = 'failed' THEN 'error' ELSE coalesce(outcome_source, 'none') END
                WHERE id = ? AND status = 'running' AND org = ?
                """, arguments: [status.rawValue, failure, Date().databaseSeconds, status.rawValue, status.rawValue, runID, org])
            return db.changesCount > 0
        }
    }

    /// Marks a stopped run running again, for a resume: the one way back from an end, since a
    /// save never turns an ended run back into a running one (a late write must not revive a
    /// cancelled run). Only a cancelled or interrupted run is reopened.
    /// - Returns: Whether the run was reopened.
    /// - Throws: `NexusError(.databaseFailed)` when it cannot be saved.
    @discardableResult
    public func reopen(runID: String) async throws -> Bool {
        let org = self.org
        return try await write("reopen run \(runID)") { db in
            try db.execute(sql: "UPDATE runs SET status = 'running', failure = NULL, updated_at = ? WHERE id = ? AND status IN ('running', 'cancelled') AND org = ?",
                           arguments: [Date().databaseSeconds, runID, org])
            return db.changesCount > 0
        }
    }

    /// ``save(run:appending:)`` from async code, through GRDB's async access.
    public func store(run: RunRecord, appending steps: [RunStep]) async throws {
        if let stray = steps.first(where: { $0.runID != run.id }) {
            throw NexusError(.invalidArgument, "step \(stray.index) belongs to run \(stray.runID), not to run \(run.id); nothing was saved")
        }
        try await write("save run \(run.id)") { db in
            try Self.upsert(run, org: org, db)
            try Self.append(steps, to: run.id, db)
        }
    }

    /// The run with exactly this id, or nil, read without blocking the caller's thread.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func loadRun(id: String) async throws -> RunRecord? {
        try await read("load run \(id)") { db in try Self.fetch(id: id, org: org, db) }
    }

    /// A run's steps in the order they were saved, read without blocking the caller's thread.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func loadSteps(runID: String) async throws -> [RunStep] {
        try await read("load the steps of run \(runID)") { db in try Self.steps(runID: runID, org: org, db) }
    }

    /// The newest runs in `scope` first.
    /// - Parameters:
    ///   - limit: The most runs returned.
    ///   - status: Only runs with this status, when given; `mode`, `model` and `ownerKeyID` likewise.
    ///   - before: The id of the last run of the previous page: only runs listed after it (a
    ///     cursor, so that a page does not shift when new runs start). An unknown id lists nothing.
    ///   - scope: Whose runs: every run, one key's, or those of no key.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func list(limit: Int, status: RunStatus?, mode: HopeMode? = nil, model: String? = nil, ownerKeyID: String? = nil,
                     before: String? = nil, scope: RunScope) async throws -> [RunRecord] {
        var conditions = ["org = ?"]
        var values: [DatabaseValue] = [org.databaseValue]
        for (column, value) in [("status", status?.rawValue), ("mode", mode?.rawValue), ("model", model), ("owner_key_id", ownerKeyID)] {
            guard let value else { continue }
            conditions.append("\(column) = ?")
            values.append(value.databaseValue)
        }
        if let before {
            // Listed newest first, then by id: after `before` is older, or as old with a later id.
            let cursor = "(SELECT created_at FROM runs WHERE id = ? AND org = ?)"
            conditions.append("(created_at < \(cursor) OR (created_at = \(cursor) AND id > ?))")
            values += [before.databaseValue, org.databaseValue, before.databaseValue, org.databaseValue, before.databaseValue]
        }
        switch scope {
        case .all: break
        case .ownedBy(let keyID):
            conditions.append("owner_key_id = ?")
            values.append(keyID.databaseValue)
        case .unowned:
            conditions.append("owner_key_id IS NULL")
        }
        values.append(max(limit, 0).databaseValue)
        let filter = "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT * FROM runs \(filter) ORDER BY created_at DESC, id LIMIT ?"
        let arguments = values
        return try await read("list runs") { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map(RunRecord.init(row:))
        }
    }

    private func read<T: Sendable>(_ action: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await database.writer.read(body)
        } catch {
            throw StoreFailure.operation(action, database.location, error)
        }
    }

    private func write<T: Sendable>(_ action: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await database.writer.write(body)
        } catch {
            throw StoreFailure.operation(action, database.location, error)
        }
    }

    /// Whether a run with this id exists in `org` (in any org when nil: ids are unique across orgs).
    private static func exists(_ id: String, org: String?, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?1 AND (?2 IS NULL OR org = ?2))", arguments: [id, org]) ?? false
    }

    private static func fetch(id: String, org: String, _ db: Database) throws -> RunRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ? AND org = ?", arguments: [id, org]).map(RunRecord.init(row:))
    }

    private static func steps(runID: String, org: String, _ db: Database) throws -> [RunStep] {
        try Row.fetchAll(db, sql: """
            SELECT run_steps.* FROM run_steps JOIN runs ON runs.id = run_steps.run_id
            WHERE run_steps.run_id = ? AND runs.org = ? ORDER BY run_steps.position
            """, arguments: [runID, org]).map(RunStep.init(row:))
    }

    /// Writes the run in `org`. A write that still says `running` never reopens a run that another
    /// writer ended (the server marks a cancelled run before its runner has stopped). A run of
    /// another org with the same id is never touched: the write is refused.
    private static func upsert(_ run: RunRecord, org: String, _ db: Database) throws {
        if try exists(run.id, org: nil, db), try !exists(run.id, org: org, db) {
            throw NexusError(.notFound, "there is no run \(run.id) in this org; start a new run instead")
        }
        try db.execute(sql: """
            INSERT INTO runs (id, task, model, workspace, status, policy, state, answer, outcome, outcome_source,
                              created_at, updated_at, prompt_tokens, completion_tokens, mode, confidence, followed_run_id, module,
                              dispatch_reason, owner_key_id, failure, org)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET
                task = excluded.task, model = excluded.model, workspace = excluded.workspace,
                status = CASE WHEN excluded.status = 'running' AND runs.status != 'running' THEN runs.status ELSE excluded.status END,
                policy = excluded.policy, state = excluded.state, answer = excluded.answer, outcome = excluded.outcome,
                outcome_source = excluded.outcome_source, created_at = excluded.created_at,
                updated_at = excluded.updated_at, prompt_tokens = excluded.prompt_tokens,
                completion_tokens = excluded.completion_tokens, mode = excluded.mode, confidence = excluded.confidence,
                followed_run_id = excluded.followed_run_id, module = excluded.module, dispatch_reason = excluded.dispatch_reason,
                owner_key_id = coalesce(runs.owner_key_id, excluded.owner_key_id),
                failure = coalesce(excluded.failure, runs.failure)
            """, arguments: [
                run.id, run.task, run.model, run.workspace, run.status.rawValue, run.policy.jsonText, run.state.jsonText,
                run.answer, run.outcome?.rawValue, run.outcomeSource?.rawValue, run.createdAt.databaseSeconds, run.updatedAt.databaseSeconds,
                run.promptTokens, run.completionTokens, run.mode.rawValue, run.confidence, run.followedRunID, run.module,
                run.dispatchReason, run.ownerKeyID, run.failure, org,
            ])
    }
}

extension RunRecord {
    init(row: Row) throws {
        self.init(
            id: try row.value("id"),
            task: try row.value("task"),
            model: try row.value("model"),
            workspace: try row.value("workspace"),
            status: try row.enumValue("status"),
            policy: try row.json("policy"),
            state: try row.json("state"),
            answer: try row.value("answer"),
            outcome: try row.optionalEnumValue("outcome"),
            outcomeSource: try row.optionalEnumValue("outcome_source"),
            createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at"),
            promptTokens: try row.value("prompt_tokens"),
            completionTokens: try row.value("completion_tokens"),
            mode: try row.enumValue("mode"),
            confidence: try row.value("confidence"),
            followedRunID: try row.value("followed_run_id"),
            module: try row.value("module"),
            dispatchReason: try row.value("dispatch_reason"),
            ownerKeyID: try row.value("owner_key_id"),
            failure: try row.value("failure"),
            org: OrgName(unchecked: try row.value("org")))
    }
}

extension RunStep {
    init(row: Row) throws {
        self.init(
            runID: try row.value("run_id"),
            index: try row.value("step_index"),
            tool: try row.value("tool"),
            arguments: try row.optionalJSON("arguments"),
            status: try row.value("status"),
            resultDigest: try row.value("result_digest"),
            resultExcerpt: try row.value("result_excerpt"),
            result: try row.value("result"),
            durationSeconds: try row.value("duration_seconds"),
            promptTokens: try row.value("prompt_tokens"),
            completionTokens: try row.value("completion_tokens"),
            createdAt: try row.date("created_at"),
            sandboxCPUSeconds: try row.value("sandbox_cpu_seconds"))
    }
}
