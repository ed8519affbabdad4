import Foundation
import NexusCore

/// Checks a tool call the model produced against the tools it was offered.
enum ToolCallValidation {
    /// The call as a `ToolCall`, its arguments parsed and validated against the tool's schema.
    /// - Throws: `NexusError(.invalidToolCall)` naming the tool and what is wrong.
    static func validated(name: String, arguments: String, id: String, index: Int, tools: [ToolDefinition]) throws -> ToolCall {
        guard let tool = tools.first(where: { $0.name == name }) else {
            throw NexusError(.invalidToolCall, "the model called '\(name)', which is not one of the offered tools (\(tools.map(\.name).joined(separator: ", ")))")
        }
        let schema = try JSONSchema(tool.parameters)
        var parsed = try ToolCall.arguments(parsing: arguments, tool: name)
        var violations = schema.validate(parsed)
        // A small model often adds an argument another tool takes ("recursive" to a read): when
        // dropping the properties the schema does not name makes the call valid, they are dropped.
        if !violations.isEmpty, let members = parsed.objectValue, let named = tool.parameters["properties"]?.objectValue {
            let kept = JSONValue.object(JSONObject(members.filter { named[$0.key] != nil }.map { ($0.key, $0.value) }))
            if kept != parsed, schema.validate(kept).isEmpty {
                parsed = kept
                violations = []
            }
        }
        if let first = violations.first {
            throw NexusError(.invalidToolCall, "the call to '\(name)' does not match its schema: \(first)")
        }
        return ToolCall(id: id.isEmpty ? "call_\(index)_\(UUID().uuidString.prefix(8).lowercased())" : id, name: name, arguments: parsed)
    }
}
