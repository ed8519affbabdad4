import Foundation
public import NexusCore

/// Reads and writes tool calls in the Hermes/Qwen text form that chat templates use:
///
/// ```
/// Let me look that up.
/// <tool_call>
/// {"name": "get_weather", "arguments": {"city": "Paris"}}
/// </tool_call>
/// ```
///
/// A text may hold several blocks; whatever lies outside them is the answer's content.
public enum ToolCallMarkup {
    static let openTag = "<tool_call>"
    static let closeTag = "</tool_call>"

    /// Splits a model's text into its content and the tool calls it holds.
    ///
    /// Each block holds a JSON object with a string `name` and `arguments` given either as an object or as a
    /// string that contains an object (`parameters` is read as a synonym; a missing value means `{}`).
    /// A block may carry its own string `id`; otherwise calls are numbered `call_1`, `call_2`, … in order.
    /// A last block whose `</tool_call>` is missing runs to the end of the text, as models often stop there.
    ///
    /// - Parameter text: the generated text.
    /// - Returns: the text outside the blocks, trimmed, and the calls in the order they appear.
    /// - Throws: `NexusError` with code `invalidToolCall` when a block is not a JSON object with a `name`,
    ///   or its arguments are not a JSON object.
    public static func parse(_ text: String) throws -> (content: String, toolCalls: [ToolCall]) {
        var content = ""
        var calls: [ToolCall] = []
        var rest = text[...]
        while let open = rest.range(of: openTag) {
            content += rest[..<open.lowerBound]
            let afterOpen = rest[open.upperBound...]
            let body: Substring
            if let close = afterOpen.range(of: closeTag) {
                body = afterOpen[..<close.lowerBound]
                rest = afterOpen[close.upperBound...]
            } else {
                body = afterOpen
                rest = afterOpen[afterOpen.endIndex...]
            }
            calls.append(try parseCall(body, number: calls.count + 1))
        }
        content += rest
        return (trimmed(content), calls)
    }

    /// Writes tool calls in the form ``parse(_:)`` reads, one `<tool_call>` block per call, separated by newlines.
    ///
    /// Call ids are not part of the markup and are not written.
    /// - Parameter calls: the calls to write.
    /// - Returns: the markup; empty when there are no calls.
    public static func render(_ calls: [ToolCall]) -> String {
        calls.map { call in
            let arguments = call.arguments == .null ? JSONValue.object([:]) : call.arguments
            return "\(openTag)\n{\"name\": \(JSONValue.string(call.name).jsonText), \"arguments\": \(arguments.jsonText)}\n\(closeTag)"
        }
        .joined(separator: "\n")
    }

    private static func parseCall(_ body: Substring, number: Int) throws -> ToolCall {
        let json = stripCodeFence(trimmed(body))
        let shown = excerpt(json)
        guard !json.isEmpty else {
            throw NexusError(.invalidToolCall, "tool call \(number) is empty; write {\"name\": ..., \"arguments\": {...}} inside <tool_call>")
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(json)
        } catch let error as NexusError {
            throw NexusError(.invalidToolCall, "tool call \(number) is not valid JSON (\(error.jsonProblem)): \(shown)")
        }
        guard let object = value.objectValue else {
            throw NexusError(.invalidToolCall, "tool call \(number) is not a JSON object: \(shown)")
        }
        guard let name = object["name"]?.stringValue, !name.isEmpty else {
            throw NexusError(.invalidToolCall, "tool call \(number) has no string \"name\": \(shown)")
        }
        let arguments = try parseArguments(object["arguments"] ?? object["parameters"], callNumber: number, name: name)
        let id = object["id"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "call_\(number)"
        return ToolCall(id: id, name: name, arguments: arguments)
    }

    private static func parseArguments(_ value: JSONValue?, callNumber: Int, name: String) throws -> JSONValue {
        switch value {
        case nil, .null?:
            return .object([:])
        case .object?:
            return value!
        case .string(let text)?:
            return try ToolCall.arguments(parsing: text, tool: name)
        case let other?:
            throw NexusError(.invalidToolCall,
                             "tool call \(callNumber) (\(name)) has arguments that are not a JSON object: \(excerpt(other.jsonText))")
        }
    }

    /// Models sometimes wrap the JSON in a Markdown fence inside the block.
    private static func stripCodeFence(_ text: String) -> String {
        guard text.hasPrefix("```"), text.hasSuffix("```"), text.count >= 6 else { return text }
        var inner = text.dropFirst(3).dropLast(3)
        if let newline = inner.firstIndex(of: "\n") {
            // Drop a language tag such as `json` on the opening line.
            let tag = inner[..<newline]
            if tag.allSatisfy({ $0.isLetter }) { inner = inner[inner.index(after: newline)...] }
        }
        return trimmed(inner)
    }

    private static func trimmed(_ text: Substring) -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = text.firstIndex(where: { !isSpace($0) }),
              let last = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(text[first...last])
    }

    private static func trimmed(_ text: String) -> String { trimmed(text[...]) }

    private static func excerpt(_ text: String, limit: Int = 120) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count <= limit ? "'\(flat)'" : "'\(flat.prefix(limit))…'"
    }
}

extension NexusError {
    /// What `JSONValue.parse` found wrong, without its "the text is not valid JSON" preamble.
    var jsonProblem: String {
        let preamble = "the text is not valid JSON ("
        guard message.hasPrefix(preamble), message.hasSuffix(")") else { return message }
        return String(message.dropFirst(preamble.count).dropLast())
    }
}
