import CLlama
import Foundation
import NexusCore

/// A conversation rendered with the model's own chat template, with the grammar and output
/// parser that go with it. Owns the shim's `nx_chat_prompt`.
final class RenderedChat {
    let pointer: OpaquePointer
    let text: String
    let additionalStops: [String]
    /// llama.cpp's name for the output format the template expects (e.g. "peg-native").
    let format: String
    /// Whether the output may hold tool calls that must be parsed out of the text.
    let parsesToolCalls: Bool
    /// The tools shown to the model; calls are checked against these.
    let offered: [ToolDefinition]
    let parallelToolCalls: Bool
    /// Signatures of calls already made, passed over when the output restates them.
    let previousCalls: Set<String>
    /// The template cannot present tools, so Nexus's own fallback form is used (`ToolFallback`).
    let usesToolFallback: Bool
    /// The template's grammar for the output (calls, under `required` from the first token); empty when none.
    let grammar: String
    /// The grammar that enforces `required` or a named tool in the fallback form.
    let fallbackGrammar: String?

    /// Renders `messages` (and `tools`, per `toolChoice`) with the templates of `model`.
    /// - Throws: `NexusError(.templateFailed)` when the template rejects the conversation.
    init(model: LlamaModel, request: GenerationRequest, messages: [ChatMessage]) throws {
        let offered = Self.offeredTools(request)
        self.offered = offered
        parallelToolCalls = request.parallelToolCalls
        previousCalls = request.previousCalls
        usesToolFallback = !offered.isEmpty && !model.supportsTools
        // Under `none` a template that presents tools still shows them, as llama.cpp does: the
        // prompt then begins as it did on the turns that could call them, so its cache is reused.
        // Nothing is parsed as a call. (The agent sends no tools on its answer turns instead.)
        let shown = request.toolChoice == .none && model.supportsTools ? request.tools : offered
        let tools = usesToolFallback ? [] : shown
        let rendered = usesToolFallback ? ToolFallback.messages(messages, tools: offered) : messages
        fallbackGrammar = usesToolFallback
            ? try ToolFallback.grammar(tools: offered, choice: request.toolChoice, parallel: request.parallelToolCalls)
            : nil
        var body: JSONObject = [
            "messages": .array(rendered.map(Self.wireMessage)),
            "add_generation_prompt": true,
            "parallel_tool_calls": .bool(request.parallelToolCalls),
        ]
        if !tools.isEmpty {
            body["tools"] = .array(tools.map(Self.wireTool))
            body["tool_choice"] = switch request.toolChoice {
            case .auto: "auto"
            case .none: "none"
            case .required, .function: "required"
            }
        }
        // Without calls to parse the engine constrains JSON output with a strict grammar of its
        // own; with them the template's grammar must combine both.
        if !offered.isEmpty, !usesToolFallback, let schema = try request.responseFormat.grammarSchema {
            body["json_schema"] = schema
        }
        var error: UnsafeMutablePointer<CChar>?
        guard let prompt = nx_chat_apply(model.templates, JSONValue.object(body).jsonText, &error) else {
            let reason = error.map { String(cString: $0) } ?? "unknown error"
            nx_string_free(error)
            throw NexusError(.templateFailed, "the model's chat template could not render this conversation (\(reason))")
        }
        pointer = prompt
        text = String(cString: nx_chat_prompt_text(prompt))
        let info = nx_chat_prompt_info(prompt).map { raw -> JSONValue in
            defer { nx_string_free(raw) }
            return (try? JSONValue.parse(String(cString: raw))) ?? .null
        } ?? .null
        grammar = info["grammar"]?.stringValue ?? ""
        additionalStops = info["additional_stops"]?.arrayValue?.compactMap(\.stringValue) ?? []
        format = info["format"]?.stringValue ?? "unknown"
        parsesToolCalls = !offered.isEmpty
    }

    deinit {
        nx_chat_prompt_free(pointer)
    }

    /// Splits generated text into answer content and tool calls.
    /// - Parameter partial: the text may stop mid-way (streaming); incomplete calls are left out.
    func parse(_ generated: String, partial: Bool) throws -> (content: String, toolCalls: [(name: String, arguments: String, id: String)]) {
        if usesToolFallback {
            return try ToolFallback.parse(generated, partial: partial)
        }
        var error: UnsafeMutablePointer<CChar>?
        guard let raw = nx_chat_parse(pointer, generated, partial, &error) else {
            let reason = error.map { String(cString: $0) } ?? "unknown error"
            nx_string_free(error)
            throw NexusError(.invalidToolCall, "the model's output could not be parsed as an answer or tool call (\(reason))")
        }
        defer { nx_string_free(raw) }
        let message = try JSONValue.parse(String(cString: raw))
        let calls = (message["tool_calls"]?.arrayValue ?? []).map { call in
            (name: call["name"]?.stringValue ?? "",
             arguments: JSONValue.escapingRawLineBreaks(inStringsOf: call["arguments"]?.stringValue ?? ""),
             id: call["id"]?.stringValue ?? "")
        }
        return (message["content"]?.stringValue ?? "", calls)
    }

    /// The answer content and validated tool calls in a finished (or, with `partial`, cut-off)
    /// output; a reply made only of bare JSON calls to offered tools counts as those calls.
    /// - Throws: `NexusError(.invalidToolCall)` when a call is malformed or breaks its schema.
    func answer(from output: String, partial: Bool) throws -> (content: String, toolCalls: [ToolCall]) {
        let answer = try answerPassingOver(output, partial: partial)
        return (answer.content, answer.toolCalls)
    }

    /// As ``answer(from:partial:)``, with how many restated earlier calls were passed over.
    /// A cut-off output (`partial`) keeps the calls it completed and drops the one the limit cut:
    /// a generation that stops early is the request's outcome, not a malformed call.
    func answerPassingOver(_ output: String, partial: Bool) throws -> (content: String, toolCalls: [ToolCall], restated: Int) {
        guard parsesToolCalls else { return (output, [], 0) }
        var parsed = try parse(output, partial: partial)
        if parsed.toolCalls.isEmpty, let bare = BareToolCalls.extract(from: parsed.content, tools: offered, parallel: true, cutOff: partial) {
            parsed = (content: "", toolCalls: bare)
        }
        if parallelToolCalls || parsed.toolCalls.count < 2 {
            var calls: [ToolCall] = []
            for (index, call) in parsed.toolCalls.enumerated() {
                do {
                    let checked = try ToolCallValidation.validated(name: call.name, arguments: call.arguments, id: call.id, index: index, tools: offered)
                    // A call written twice in one reply is made once.
                    if !calls.contains(where: { $0.signature == checked.signature }) { calls.append(checked) }
                } catch where partial {
                    break
                }
            }
            return (parsed.content, calls, 0)
        }
        // One call wanted, several written: the first new one (small models restate earlier calls
        // before the next), else the first. Only the first call's errors matter.
        var first: ToolCall?
        var restated = 0
        for (index, call) in parsed.toolCalls.enumerated() {
            do {
                let checked = try ToolCallValidation.validated(name: call.name, arguments: call.arguments, id: call.id, index: index, tools: offered)
                if !previousCalls.contains(checked.signature) { return (parsed.content, [checked], restated) }
                restated += 1
                first = first ?? checked
            } catch where index > 0 || partial {
                continue
            }
        }
        return (parsed.content, first.map { [$0] } ?? [], 0)
    }

    /// Whether `text` (whole lines of bare JSON calls) already holds a call not made before.
    func holdsNewBareCall(_ text: String) -> Bool {
        guard let calls = BareToolCalls.extract(from: text, tools: offered, parallel: true) else { return false }
        return calls.contains { call in
            guard let arguments = try? ToolCall.arguments(parsing: call.arguments, tool: call.name) else { return false }
            return !previousCalls.contains(ToolCall(id: "", name: call.name, arguments: arguments).signature)
        }
    }

    /// The tools shown to the model: none for `.none`, only the named one for `.function`.
    static func offeredTools(_ request: GenerationRequest) -> [ToolDefinition] {
        switch request.toolChoice {
        case .none: return []
        case .auto, .required: return request.tools
        case .function(let name): return request.tools.filter { $0.name == name }
        }
    }

    private static func wireTool(_ tool: ToolDefinition) -> JSONValue {
        ["type": "function", "function": ["name": .string(tool.name), "description": .string(tool.description), "parameters": tool.parameters]]
    }

    private static func wireMessage(_ message: ChatMessage) -> JSONValue {
        var wire: JSONObject = ["role": .string(message.role.rawValue), "content": .string(message.content)]
        if !message.toolCalls.isEmpty {
            wire["tool_calls"] = .array(message.toolCalls.map { call in
                ["id": .string(call.id), "type": "function",
                 "function": ["name": .string(call.name), "arguments": .string(call.arguments.jsonText)]]
            })
        }
        if let id = message.toolCallID { wire["tool_call_id"] = .string(id) }
        if let name = message.toolName { wire["name"] = .string(name) }
        return .object(wire)
    }
}
