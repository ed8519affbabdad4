import Foundation
import NexusStore

/// What an ended agent run used, read from its stored record and steps.
enum RunUsage {
    /// The run's usage event (`run:ID`), or nil when the run never got an id or is not stored.
    static func event(_ runID: String?, ticket: UsageTicket, model: String, database: NexusDatabase) async throws -> UsageEvent? {
        guard let runID else { return nil }
        let store = RunStore(database: database)
        guard let record = try await store.loadRun(id: runID) else { return nil }
        let steps = try await store.loadSteps(runID: runID)
        let calls = steps.filter { $0.tool != nil }
        let turns = Set(calls.map(\.index)).count
        return UsageEvent(idempotencyKey: "run:\(runID)", org: ticket.org, keyID: ticket.keyID, model: model, kind: .run,
                          promptTokens: record.promptTokens, completionTokens: record.completionTokens,
                          toolCalls: calls.count, moduleCalls: record.module == nil ? 0 : 1,
                          runUnits: RunUnits.run(actingSteps: turns),
                          sandboxCPUMillis: Int((steps.reduce(0) { $0 + $1.sandboxCPUSeconds } * 1000).rounded()))
    }
}
