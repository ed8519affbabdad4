import Foundation
import GRDB

extension UsageStore {
    /// What the usage events of agent run `runID` add up to in this org: its first stretch
    /// (`run:ID`) and every resumed one (`run:ID/…`). A resumed run is metered for what it used
    /// beyond this, so that no token is counted twice.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func metered(run runID: String) async throws -> Totals {
        let org = self.org
        return try await database.readAsync("read the usage metered for run \(runID)") { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT count(*) AS events, coalesce(sum(prompt_tokens), 0) AS prompt, coalesce(sum(completion_tokens), 0) AS completion,
                       coalesce(sum(tool_calls), 0) AS tools, coalesce(sum(module_calls), 0) AS modules,
                       coalesce(sum(run_units), 0) AS units, coalesce(sum(sandbox_cpu_ms), 0) AS cpu
                FROM usage_events WHERE org = ? AND (idempotency_key = ? OR substr(idempotency_key, 1, ?) = ?)
                """, arguments: [org, "run:\(runID)", "run:\(runID)/".count, "run:\(runID)/"])
            var totals = Totals(start: Date(timeIntervalSince1970: 0))
            totals.requests = try row?.value("events") ?? 0
            totals.promptTokens = try row?.value("prompt") ?? 0
            totals.completionTokens = try row?.value("completion") ?? 0
            totals.toolCalls = try row?.value("tools") ?? 0
            totals.moduleCalls = try row?.value("modules") ?? 0
            totals.runUnits = try row?.value("units") ?? 0
            totals.sandboxCPUMillis = try row?.value("cpu") ?? 0
            return totals
        }
    }
}
