public import NexusCore

/// The parts of a chat request both APIs share: messages, tools and the tool choice.
///
/// The two wire forms differ in small ways, all accepted here: OpenAI sends a call's arguments as
/// JSON text and may split content into parts; Ollama sends arguments as an object and names the
/// tool that answered (`tool_name`) instead of the call (`tool_call_id`).
public enum ChatFields {
    /// The conversation in `messages`.
    /// - Throws: `NexusError(.invalidArgument)` naming the message and field at fault.
    public static func messages(in fields: RequestFields) throws -> [ChatMessage] {
        guard let items = try fields.objects("messages") else {
            throw NexusError(.invalidArgument, "'messages' is required: an array of {role, content}")
        }
        return try items.map(message)
    }

    static func message(_ fields: RequestFields) throws -> ChatMessage {
        let roleText = try fields.requiredString("role")
        // "developer" is OpenAI's newer name for the system role.
        guard let role = ChatMessage.Role(rawValue: roleText == "developer" ? "system" : roleText) else {
            throw NexusError(.invalidArgument, "\(fields.name("role")) must be system, user, assistant or tool, not '\(roleText)'")
        }
        let calls = try fields.objects("tool_calls")?.enumerated().map { index, call in
            try toolCall(call, index: index)
        } ?? []
        return ChatMessage(
            role: role, content: try content(fields), toolCalls: calls,
            toolCallID: try fields.string("tool_call_id"), toolName: try fields.string("tool_name") ?? fields.string("name"))
    }

    /// `content` as text: a string, or OpenAI's array of parts of which the text parts are kept.
    private static func content(_ fields: RequestFields) throws -> String {
        guard let value = fields["content"] else { return "" }
        if let text = value.stringValue { return text }
        guard let parts = value.arrayValue else {
            throw NexusError(.invalidArgument, "\(fields.name("content")) must be a string or an array of content parts")
        }
        return try parts.map { part -> String in
            guard let object = part.objectValue else {
                throw NexusError(.invalidArgument, "each part of \(fields.name("content")) must be an object")
            }
            let type = object["type"]?.stringValue ?? "text"
            guard type == "text" else {
                throw NexusError(.invalidArgument, "content parts of type '\(type)' are not supported; this server reads text only")
            }
            return object["text"]?.stringValue ?? ""
        }.joined()
    }

    private static func toolCall(_ fields: RequestFields, index: Int) throws -> ToolCall {
        guard let function = try fields.fields("function") else {
            throw NexusError(.invalidArgument, "\(fields.name("function")) is required in a tool call")
        }
        let name = try function.requiredString("name")
        let arguments: JSONValue
        switch function["arguments"] {
        case nil: arguments = [:]
        case .string(let text)?: arguments = try ToolCall.arguments(parsing: text, tool: name)
        case .object(let object)?: arguments = .object(object)
        default: throw NexusError(.invalidArgument, "\(function.name("arguments")) must be a JSON object or JSON text")
        }
        return ToolCall(id: try fields.string("id") ?? "call_\(index)", name: name, arguments: arguments)
    }

    /// The functions in `tools` (`[{"type": "function", "function": {name, description, parameters}}]`).
    /// Each schema is checked here, so a schema the grammar cannot enforce is a 400, not a failed generation.
    public static func tools(in fields: RequestFields) throws -> [ToolDefinition] {
        guard let items = try fields.objects("tools") else { return [] }
        return try items.map { item in
            let type = try item.string("type") ?? "function"
            guard type == "function" else {
                throw NexusError(.invalidArgument, "\(item.name("type")) must be 'function', not '\(type)'")
            }
            guard let function = try item.fields("function") else {
                throw NexusError(.invalidArgument, "\(item.name("function")) is required")
            }
            let name = try function.requiredString("name")
            let parameters = function["parameters"] ?? ["type": "object", "properties": [:]]
            do {
                _ = try JSONSchema(parameters)
            } catch let error as NexusError {
                throw NexusError(.invalidArgument, "the parameters schema of tool '\(name)' cannot be used: \(error.message)")
            }
            return ToolDefinition(name: name, description: try function.string("description") ?? "", parameters: parameters)
        }
    }

    /// `tool_choice`: "auto", "none", "required", or `{"type": "function", "function": {"name": …}}`.
    public static func toolChoice(in fields: RequestFields, tools: [ToolDefinition]) throws -> ToolChoice {
        guard let value = fields["tool_choice"] else { return .auto }
        let choice: ToolChoice
        if let text = value.stringValue {
            switch text {
            case "auto": choice = .auto
            case "none": choice = .none
            case "required", "any": choice = .required
            default: throw NexusError(.invalidArgument, "'tool_choice' must be auto, none, required or a named function, not '\(text)'")
            }
        } else if let name = value["function"]?["name"]?.stringValue {
            choice = .function(name)
        } else {
            throw NexusError(.invalidArgument, "'tool_choice' must be a string or {\"type\": \"function\", \"function\": {\"name\": …}}")
        }
        if case .function(let name) = choice, !tools.contains(where: { $0.name == name }) {
            throw NexusError(.invalidArgument, "'tool_choice' names the function '\(name)', which is not among the request's tools")
        }
        if choice == .required, tools.isEmpty {
            throw NexusError(.invalidArgument, "'tool_choice' is required but the request offers no tools")
        }
        return choice
    }

    /// A response format from a JSON Schema: the schema is checked so that a bad one is a 400.
    public static func schemaFormat(_ schema: JSONValue, field: String) throws -> ResponseFormat {
        do {
            _ = try JSONSchema(schema)
        } catch let error as NexusError {
            throw NexusError(.invalidArgument, "\(field) is not a usable JSON Schema: \(error.message)")
        }
        return .jsonSchema(schema)
    }
}
