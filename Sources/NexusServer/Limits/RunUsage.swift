import Foundation
import NexusStore

/// What an ended agent run used, read from its stored record and steps.
enum RunUsage {
    /// The run's usage event (`run:ID`), or nil when the run never got an id or is not stored.
    /// - Parameter resumed: the resumed stretch's own key (`run:ID/resumed-MS`): it meters what
    ///   the run used beyond what its earlier stretches were metered for.
    static func event(_ runID: String?, ticket: UsageTicket, model: String, database: NexusDatabase,
                      resumed: String? = nil) async throws -> UsageEvent? {
        guard let runID else { return nil }
        let store = RunStore(database: database)
        guard let record = try await store.loadRun(id: runID) else { return nil }
        let steps = try await store.loadSteps(runID: runID)
        let calls = steps.filter { $0.tool != nil }
        let turns = Set(calls.map(\.index)).count
        var event = UsageEvent(idempotencyKey: "run:\(runID)", org: ticket.org, keyID: ticket.keyID, model: model, kind: .run,
                               promptTokens: record.promptTokens, completionTokens: record.completionTokens,
                               toolCalls: calls.count, moduleCalls: record.module == nil ? 0 : 1,
                               runUnits: RunUnits.run(actingSteps: turns),
                               sandboxCPUMillis: Int((steps.reduce(0) { $0 + $1.sandboxCPUSeconds } * 1000).rounded()))
        if let resumed {
            let before = try await UsageStore(database: database).metered(run: runID)
            event.idempotencyKey = "run:\(runID)/\(resumed)"
            event.promptTokens = max(0, event.promptTokens - before.promptTokens)
            event.completionTokens = max(0, event.completionTokens - before.completionTokens)
            event.toolCalls = max(0, event.toolCalls - before.toolCalls)
            event.moduleCalls = max(0, event.moduleCalls - before.moduleCalls)
            event.runUnits = max(0, event.runUnits - before.runUnits)
            event.sandboxCPUMillis = max(0, event.sandboxCPUMillis - before.sandboxCPUMillis)
        }
        return event
    }
}
