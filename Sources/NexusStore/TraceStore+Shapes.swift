public import Foundation
import GRDB
public import NexusCore

/// What one task shape (a trace signature) has done in an org: how often it ran, how it went,
/// the modes it ran in oldest first, and what running without the model saved. The dashboard's
/// Learning view reads these.
public struct TaskShapeSummary: Sendable, Hashable {
    public var signature: String
    /// The newest run's task, as an example of the shape.
    public var exampleTask: String
    public var runs: Int
    public var successes: Int
    public var failures: Int
    /// Each run's mode, oldest first (at most the last 50).
    public var modes: [String]
    /// Runs that used no model at all (follower and crystallized).
    public var modelFreeRuns: Int
    /// Average tokens and seconds of a learner run of this shape (0 when none).
    public var learnerTokens: Double
    public var learnerSeconds: Double
    /// Tokens and seconds the model-free and mixed runs spent below the learner average.
    public var tokensSaved: Double
    public var secondsSaved: Double
    public var crystallizedInto: String?
    /// Traces of this shape whose replay is stopped by a demotion in force, and the newest reason.
    public var demotions: Int
    public var demotedBecause: String?
    /// Runs judged failures after replaying (wrong replays flagged by feedback or post-conditions).
    public var failedReplays: Int
    public var lastRunAt: Date
}

extension TraceStore {
    /// The task shapes of this store's org, most recently run first.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func shapes(limit: Int = 100) async throws -> [TaskShapeSummary] {
        let org = database.org.rawValue
        return try await database.readAsync("summarize task shapes") { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT traces.signature AS signature, count(*) AS runs,
                       coalesce(sum(runs.outcome = 'success'), 0) AS successes,
                       coalesce(sum(runs.outcome = 'failure'), 0) AS failures,
                       coalesce(sum(runs.mode IN ('follower', 'crystallized')), 0) AS model_free,
                       coalesce(sum(runs.mode IN ('follower', 'crystallized', 'mixed') AND runs.outcome = 'failure'), 0) AS failed_replays,
                       coalesce(avg(CASE WHEN runs.mode = 'learner' THEN traces.prompt_tokens + traces.completion_tokens END), 0) AS learner_tokens,
                       coalesce(avg(CASE WHEN runs.mode = 'learner' THEN traces.wall_seconds END), 0) AS learner_seconds,
                       max(traces.crystallized_into) AS crystallized_into,
                       max(traces.recorded_at) AS last_at
                FROM traces JOIN runs ON runs.id = traces.run_id
                WHERE runs.org = ?
                GROUP BY traces.signature ORDER BY last_at DESC LIMIT ?
                """, arguments: [org, limit])
            return try rows.map { row in
                let signature: String = try row.value("signature")
                let learnerTokens: Double = try row.value("learner_tokens"), learnerSeconds: Double = try row.value("learner_seconds")
                // Per run of the shape that did not learn: the learner average less what it spent.
                let replays = try Row.fetchAll(db, sql: """
                    SELECT runs.task AS task, runs.mode AS mode, traces.prompt_tokens + traces.completion_tokens AS tokens,
                           traces.wall_seconds AS seconds
                    FROM traces JOIN runs ON runs.id = traces.run_id
                    WHERE traces.signature = ? AND runs.org = ?
                    ORDER BY traces.recorded_at DESC, traces.run_id DESC LIMIT 50
                    """, arguments: [signature, org])
                var tokensSaved = 0.0, secondsSaved = 0.0
                var modes: [String] = []
                for replay in replays {
                    let mode: String = try replay.value("mode")
                    modes.append(mode)
                    guard learnerTokens > 0, ["follower", "crystallized", "mixed"].contains(mode) else { continue }
                    tokensSaved += max(0, learnerTokens - Double(try replay.value("tokens") as Int))
                    secondsSaved += max(0, learnerSeconds - (try replay.value("seconds") as Double))
                }
                let demotion = try Row.fetchOne(db, sql: """
                    SELECT count(*) AS demotions, max(d.reason) AS reason
                    FROM trace_demotions d JOIN traces ON traces.run_id = d.run_id JOIN runs ON runs.id = traces.run_id
                    WHERE traces.signature = ? AND runs.org = ? AND d.lifted_at IS NULL
                    """, arguments: [signature, org])
                return TaskShapeSummary(
                    signature: signature, exampleTask: try replays.first?.value("task") ?? "", runs: try row.value("runs"),
                    successes: try row.value("successes"), failures: try row.value("failures"), modes: modes.reversed(),
                    modelFreeRuns: try row.value("model_free"), learnerTokens: learnerTokens, learnerSeconds: learnerSeconds,
                    tokensSaved: tokensSaved, secondsSaved: secondsSaved, crystallizedInto: try row.value("crystallized_into"),
                    demotions: try demotion?.value("demotions") ?? 0, demotedBecause: try demotion?.value("reason"),
                    failedReplays: try row.value("failed_replays"), lastRunAt: try row.date("last_at"))
            }
        }
    }
}
