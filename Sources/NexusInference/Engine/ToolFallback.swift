import NexusCore

/// Tool calling for models whose chat template knows nothing of tools: the tools are described in
/// a system message, calls are written in the Hermes form (`<tool_call>{...}</tool_call>`, the
/// same form the scripted backend reads), and `required` or a named tool is enforced by a grammar
/// built from the tools' schemas.
enum ToolFallback {
    /// The conversation the template renders instead: tool instructions in the system message,
    /// earlier calls as markup, tool results as user turns (every template accepts those).
    static func messages(_ messages: [ChatMessage], tools: [ToolDefinition]) -> [ChatMessage] {
        let listing = tools.map { tool -> String in
            let function: JSONValue = ["name": .string(tool.name), "description": .string(tool.description), "parameters": tool.parameters]
            return function.jsonText
        }.joined(separator: "\n")
        let instructions = """
            You can call these tools:
            <tools>
            \(listing)
            </tools>
            To call a tool, reply with exactly <tool_call>{"name": "TOOL", "arguments": {ARGUMENTS}}</tool_call> and nothing else. \
            The result comes back in <tool_response></tool_response>. When you have the answer, reply with it in plain text.
            """
        var converted: [ChatMessage] = []
        var systemDone = false
        for message in messages {
            switch message.role {
            case .system where !systemDone:
                converted.append(.system(message.content + "\n\n" + instructions))
                systemDone = true
            case .assistant where !message.toolCalls.isEmpty:
                let markup = ToolCallMarkup.render(message.toolCalls)
                converted.append(.assistant(message.content.isEmpty ? markup : message.content + "\n" + markup))
            case .tool:
                converted.append(.user("<tool_response>\n\(message.content)\n</tool_response>"))
            default:
                converted.append(message)
            }
        }
        if !systemDone {
            converted.insert(.system(instructions), at: 0)
        }
        return converted
    }

    /// A grammar forcing one call (several when `parallel`) to one of `tools`, or nil when the
    /// choice is `auto` and the model may answer in text.
    /// - Throws: `NexusError(.unsupportedSchema | .invalidSchema)` from a tool's parameters.
    static func grammar(tools: [ToolDefinition], choice: ToolChoice, parallel: Bool) throws -> String? {
        guard choice != .auto, choice != .none else { return nil }
        let calls: [JSONValue] = tools.map { tool in
            [
                "type": "object",
                "properties": ["name": ["const": .string(tool.name)], "arguments": tool.parameters],
                "required": ["name", "arguments"],
                "additionalProperties": false,
            ]
        }
        let schema: JSONValue = calls.count == 1 ? calls[0] : ["anyOf": .array(calls)]
        // The converter's start rule becomes the rule for one call, wrapped in the markup.
        let callGrammar = try JSONSchemaGrammar.grammar(for: schema)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("root ::=") ? "tool-call ::=" + $0.dropFirst("root ::=".count) : String($0) }
            .joined(separator: "\n")
        let repeatCalls = parallel ? " (\"\\n\" one-call)*" : ""
        return """
            root ::= one-call\(repeatCalls)
            one-call ::= "<tool_call>" "\\n"? tool-call "\\n"? "</tool_call>"
            \(callGrammar)
            """
    }

    /// Content and calls from output written in the fallback form. While streaming (`partial`),
    /// an unfinished call is left out of the content.
    static func parse(_ output: String, partial: Bool) throws -> (content: String, toolCalls: [(name: String, arguments: String, id: String)]) {
        var text = output
        if partial, let open = text.range(of: "<tool_call>", options: .backwards), text.range(of: "</tool_call>", range: open.upperBound..<text.endIndex) == nil {
            text = String(text[..<open.lowerBound])
        }
        if partial, let held = (1..<"<tool_call>".count).reversed().first(where: { text.hasSuffix("<tool_call>".prefix($0)) }) {
            text.removeLast(held)
        }
        let parsed = try ToolCallMarkup.parse(text)
        return (parsed.content, parsed.toolCalls.map { (name: $0.name, arguments: $0.arguments.jsonText, id: $0.id) })
    }
}
