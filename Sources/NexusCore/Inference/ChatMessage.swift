import Foundation

/// One message of a conversation, in the shape both the OpenAI and Ollama APIs share.
public struct ChatMessage: Sendable, Hashable, Codable {
    public enum Role: String, Sendable, Hashable, Codable {
        case system, user, assistant, tool
    }

    public var role: Role
    public var content: String
    /// Tool calls the assistant asked for (assistant messages only).
    public var toolCalls: [ToolCall]
    /// The call this message answers (tool messages only).
    public var toolCallID: String?
    /// The tool that produced this message (tool messages only).
    public var toolName: String?

    public init(role: Role, content: String, toolCalls: [ToolCall] = [], toolCallID: String? = nil, toolName: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
        self.toolName = toolName
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: .system, content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: .user, content: content) }
    public static func assistant(_ content: String, toolCalls: [ToolCall] = []) -> ChatMessage {
        ChatMessage(role: .assistant, content: content, toolCalls: toolCalls)
    }
    public static func tool(_ content: String, callID: String?, name: String?) -> ChatMessage {
        ChatMessage(role: .tool, content: content, toolCallID: callID, toolName: name)
    }
}

/// A function call the model asked for.
public struct ToolCall: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    /// The arguments as a JSON object.
    public var arguments: JSONValue

    public init(id: String, name: String, arguments: JSONValue) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }

    /// Name plus arguments: two calls with the same signature would do the same thing.
    public var signature: String { name + " " + arguments.jsonText }
}

/// A tool the model may call: a name, what it does, and the JSON Schema of its arguments.
public struct ToolDefinition: Sendable, Hashable, Codable {
    public var name: String
    public var description: String
    public var parameters: JSONValue

    public init(name: String, description: String, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

/// Whether and which tool the model must call.
public enum ToolChoice: Sendable, Hashable {
    /// The model decides.
    case auto
    /// The model must not call a tool.
    case none
    /// The model must call at least one tool (enforced by the grammar).
    case required
    /// The model must call this tool (enforced by the grammar).
    case function(String)

    /// `auto`, `none`, `required` or `function:NAME`, for records and displays.
    public var label: String {
        switch self {
        case .auto: "auto"
        case .none: "none"
        case .required: "required"
        case .function(let name): "function:\(name)"
        }
    }
}

extension ToolCall {
    /// Reads tool arguments as a model or client wrote them: a JSON object in text, `{}` when blank.
    /// - Parameters:
    ///   - text: The arguments text.
    ///   - tool: The called tool's name, for the message.
    /// - Throws: `NexusError(.invalidToolCall)` naming the tool and what is wrong.
    public static func arguments(parsing text: String, tool: String) throws -> JSONValue {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return [:] }
        let excerpt = trimmed.count <= 200 ? trimmed : trimmed.prefix(200) + "…"
        let value: JSONValue
        do {
            value = try JSONValue.parse(trimmed)
        } catch let error as NexusError {
            throw NexusError(.invalidToolCall, "the arguments of the call to '\(tool)' are not valid JSON (\(error.message)): \(excerpt)")
        }
        guard value.objectValue != nil else {
            throw NexusError(.invalidToolCall, "the arguments of the call to '\(tool)' are not a JSON object: \(excerpt)")
        }
        return value
    }
}
