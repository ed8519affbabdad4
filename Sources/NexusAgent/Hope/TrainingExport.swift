import Foundation
public import NexusCore
public import NexusStore

/// Finished runs as chat-format training data (one JSON object per line): the system prompt,
/// the task, each turn's tool calls with their results, and the final answer, plus the
/// definitions of the tools used, in the OpenAI fine-tuning shape. Crystallized runs are left out.
public enum TrainingExport {
    /// - Parameters:
    ///   - successOnly: Only runs judged a success.
    ///   - definitions: The tools' definitions, of which those used are included.
    /// - Throws: `NexusError(.databaseFailed)` when the runs cannot be read.
    public static func lines(database: NexusDatabase, successOnly: Bool, definitions: [ToolDefinition], limit: Int = 100_000) throws -> [String] {
        let store = RunStore(database: database)
        var lines: [String] = []
        // A crystallized run's one call is to a module that exists only in this home: nothing to learn from.
        for run in try store.list(limit: limit, status: .completed).reversed()
        where (!successOnly || run.outcome == .success) && run.mode != HopeMode.crystallized {
            let steps = try store.steps(runID: run.id).filter { $0.tool != nil && ["ok", "error", "refused"].contains($0.status) }
            var messages: [JSONValue] = [["role": "system", "content": .string(SystemPrompt.base)], ["role": "user", "content": .string(run.task)]]
            var used: [String] = []
            for turn in Dictionary(grouping: steps, by: \.index).sorted(by: { $0.key < $1.key }) {
                let calls = turn.value.enumerated().map { position, step in (id: "call_\(turn.key)_\(position + 1)", step: step) }
                messages.append(["role": "assistant", "content": "", "tool_calls": .array(calls.map { call in
                    ["id": .string(call.id), "type": "function",
                     "function": ["name": .string(call.step.tool!), "arguments": .string((call.step.arguments ?? .object([:])).jsonText)]]
                })])
                for call in calls {
                    messages.append(["role": "tool", "tool_call_id": .string(call.id), "content": .string(call.step.result ?? call.step.resultExcerpt ?? "")])
                    if !used.contains(call.step.tool!) { used.append(call.step.tool!) }
                }
            }
            messages.append(["role": "assistant", "content": .string(run.answer ?? "")])
            let tools = definitions.filter { used.contains($0.name) }.map { definition -> JSONValue in
                ["type": "function", "function": ["name": .string(definition.name), "description": .string(definition.description),
                                                  "parameters": definition.parameters]]
            }
            lines.append(JSONValue.object(["messages": .array(messages), "tools": .array(tools)]).jsonText)
        }
        return lines
    }
}
