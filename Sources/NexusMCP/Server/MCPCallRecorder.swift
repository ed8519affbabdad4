import Foundation
import NexusCore
import NexusStore

/// Records a tool call made through MCP as a run of one step, and its trace, like any run of the
/// agent: it shows in `nexus runs`, a client can read it back as a resource, and HOPE learns
/// from it (a repeated call is a task it has seen).
struct MCPCallRecorder: Sendable {
    let scope: MCPServingScope

    /// The task a direct call is recorded under: what a person would ask for to get the same call.
    static func task(tool: String, arguments: JSONValue) -> String {
        "Call the tool \(tool) with \(arguments.jsonText)"
    }

    /// Stores the call and its result; returns the run's id.
    func record(tool: String, arguments: JSONValue, result: ToolResult, seconds: Double, started: Date) async throws -> String {
        let succeeded = result.status == .ok
        var run = RunRecord(task: Self.task(tool: tool, arguments: arguments), model: "mcp", workspace: scope.workspace.path,
                            status: RunStatus.completed, policy: (try? JSONValue(encoding: scope.policy)) ?? .null,
                            answer: String(result.content.prefix(2000)),
                            outcome: succeeded ? RunOutcome.success : .failure, outcomeSource: OutcomeSource.check,
                            createdAt: started, dispatchReason: "a direct MCP tools/call under the policy profile '\(scope.profileName)'",
                            ownerKeyID: scope.ownerKeyID)
        run.updatedAt = Date()
        let step = RunStep(runID: run.id, index: 1, call: tool, arguments: arguments, result: result, durationSeconds: seconds,
                           createdAt: started)
        let store = RunStore(database: scope.database)
        try await store.store(run: run, appending: [step])
        try await TraceStore(database: scope.database).recordTrace(runID: run.id)
        return run.id
    }
}
