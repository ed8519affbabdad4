import Foundation
import MCP
import NexusCore
import NexusStore

/// Runs and their traces as read-only MCP resources, so a client can show what Nexus did:
/// `nexus://runs/ID` (the run and its steps) and `nexus://traces/ID` (what HOPE keeps of it).
/// A session reads only the runs its scope covers; any other id is answered as unknown.
struct MCPRunResources: Sendable {
    static let runPrefix = "nexus://runs/"
    static let tracePrefix = "nexus://traces/"
    /// The newest runs and traces listed; older ones are read by id.
    static let listed = 50

    let scope: MCPServingScope

    func list() async throws -> [Resource] {
        let runs = try await RunStore(database: scope.database).list(limit: Self.listed, status: nil, scope: scope.readScope)
        let traces = try await TraceStore(database: scope.database).loadTraces(limit: Self.listed, scope: scope.readScope)
        return runs.map { run in
            Resource(name: "run \(run.id)", uri: Self.runPrefix + run.id, title: Self.title(run.task),
                     description: "\(run.status), \(run.mode): \(Self.title(run.task))", mimeType: "application/json")
        } + traces.map { trace in
            Resource(name: "trace \(trace.runID)", uri: Self.tracePrefix + trace.runID, title: Self.title(trace.task),
                     description: "trace of run \(trace.runID): \(trace.toolSequence.joined(separator: " → "))", mimeType: "application/json")
        }
    }

    static let templates = [
        Resource.Template(uriTemplate: runPrefix + "{id}", name: "run", description: "An agent run or MCP tool call: task, status, answer and steps",
                          mimeType: "application/json"),
        Resource.Template(uriTemplate: tracePrefix + "{id}", name: "trace", description: "The trace HOPE keeps of a run", mimeType: "application/json"),
    ]

    func read(_ uri: String) async throws -> [Resource.Content] {
        if uri.hasPrefix(Self.runPrefix) {
            let id = String(uri.dropFirst(Self.runPrefix.count))
            let store = RunStore(database: scope.database)
            guard let run = try await store.loadRun(id: id), scope.readScope.covers(owner: run.ownerKeyID) else { throw unknown(uri) }
            let steps = try await store.loadSteps(runID: id)
            return [.text(Self.json(run, steps: steps).jsonText, uri: uri, mimeType: "application/json")]
        }
        if uri.hasPrefix(Self.tracePrefix) {
            let id = String(uri.dropFirst(Self.tracePrefix.count))
            guard let run = try await RunStore(database: scope.database).loadRun(id: id), scope.readScope.covers(owner: run.ownerKeyID),
                  let trace = try await TraceStore(database: scope.database).loadTrace(runID: id) else { throw unknown(uri) }
            return [.text((try? JSONValue(encoding: trace))?.jsonText ?? "{}", uri: uri, mimeType: "application/json")]
        }
        throw unknown(uri)
    }

    private func unknown(_ uri: String) -> MCPError {
        MCPError.invalidParams("no resource '\(uri.prefix(200))'; list them with resources/list (runs are nexus://runs/ID, traces nexus://traces/ID)")
    }

    private static func title(_ task: String) -> String {
        let line = task.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.count <= 80 ? line : String(line.prefix(80)) + "…"
    }

    /// What a client sees of a run: its record without the loop's private state, and its steps.
    static func json(_ run: RunRecord, steps: [RunStep]) -> JSONValue {
        func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
        let stepObjects: [JSONValue] = steps.map { step in
            [
                "index": .number(Double(step.index)), "tool": optional(step.tool), "arguments": step.arguments ?? .null,
                "status": .string(step.status), "result": optional(step.resultExcerpt),
            ]
        }
        return [
            "id": .string(run.id), "task": .string(run.task), "model": .string(run.model), "status": .string(run.status.rawValue),
            "outcome": optional(run.outcome?.rawValue), "outcome_source": optional(run.outcomeSource?.rawValue), "mode": .string(run.mode.rawValue),
            "answer": optional(run.answer), "failure": optional(run.failure),
            "created_at": .string(ISO8601DateFormatter().string(from: run.createdAt)),
            "prompt_tokens": .number(Double(run.promptTokens)), "completion_tokens": .number(Double(run.completionTokens)),
            "steps": .array(stepObjects),
        ]
    }
}
