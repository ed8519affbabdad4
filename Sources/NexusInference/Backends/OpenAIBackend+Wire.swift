import Foundation
import NexusCore

/// The JSON shapes of the OpenAI chat and text completion APIs, as far as ``OpenAIBackend`` uses them.
///
/// Responses are decoded with explicit snake_case coding keys; a key strategy would also rewrite the keys of
/// tool arguments.
enum OpenAIWire {
    // MARK: Requests
    //
    // Request bodies are built as `JSONValue` and written with `jsonText`, which keeps object members in order:
    // a tool's schema reaches the server as written (llama-server turns property order into the order its
    // grammar makes the model write them), and the same request is always the same bytes, so the tools part
    // of a prompt stays a cacheable prefix from one turn to the next.

    /// The body of `POST /chat/completions`.
    static func chatBody(model: String, messages: [ChatMessage], request: GenerationRequest) -> JSONValue {
        var body: JSONObject = ["model": .string(model), "messages": .array(messages.map(message))]
        if !request.tools.isEmpty {
            // OpenAI rejects tool_choice and parallel_tool_calls without tools, so all three go together.
            let (tools, choice) = toolsAndChoice(request.tools, request.toolChoice)
            body["tools"] = .array(tools.map(tool))
            body["tool_choice"] = choice
            body["parallel_tool_calls"] = .bool(request.parallelToolCalls)
        }
        addOptions(of: request, to: &body)
        return .object(body)
    }

    /// The body of `POST /completions` (raw text, no chat template).
    static func completionBody(model: String, prompt: String, request: GenerationRequest) -> JSONValue {
        var body: JSONObject = ["model": .string(model), "prompt": .string(prompt)]
        addOptions(of: request, to: &body)
        return .object(body)
    }

    /// Streaming, output format and sampling, which both endpoints share.
    private static func addOptions(of request: GenerationRequest, to body: inout JSONObject) {
        let sampling = request.sampling
        switch request.responseFormat {
        case .text:
            break
        case .json:
            body["response_format"] = ["type": "json_object"]
        case .jsonSchema(let schema):
            body["response_format"] = ["type": "json_schema", "json_schema": ["name": "output", "schema": schema, "strict": true]]
        }
        body["stream"] = true
        body["stream_options"] = ["include_usage": true]
        if let maxTokens = request.maxTokens { body["max_tokens"] = .number(Double(maxTokens)) }
        body["temperature"] = .number(sampling.temperature)
        body["top_p"] = .number(sampling.topP)
        if let seed = sampling.seed { body["seed"] = .number(Double(seed)) }
        if !request.stop.isEmpty { body["stop"] = .array(request.stop.map(JSONValue.string)) }
        body["frequency_penalty"] = .number(sampling.frequencyPenalty)
        body["presence_penalty"] = .number(sampling.presencePenalty)
        // llama-server's own sampling fields; other OpenAI-compatible servers ignore them.
        body["top_k"] = .number(Double(sampling.topK))
        body["min_p"] = .number(sampling.minP)
        body["repeat_penalty"] = .number(sampling.repeatPenalty)
        body["repeat_last_n"] = .number(Double(sampling.repeatLastN))
        if request.ignoreEndOfGeneration { body["ignore_eos"] = true }
    }

    /// The tools to offer and the `tool_choice` to send.
    ///
    /// `{"type": "function", "function": {"name": …}}` is the OpenAI form of a named choice, but llama-server
    /// reads tool_choice only as a string and silently falls back to "auto" for an object. Offering only the
    /// named tool and requiring a call means the same thing and every server enforces it; the object form is
    /// kept for a name that matches no tool, so the server reports that.
    static func toolsAndChoice(_ tools: [ToolDefinition], _ choice: ToolChoice) -> ([ToolDefinition], JSONValue) {
        switch choice {
        case .auto: return (tools, "auto")
        case .none: return (tools, "none")
        case .required: return (tools, "required")
        case .function(let name):
            let named = tools.filter { $0.name == name }
            if named.isEmpty {
                return (tools, ["type": "function", "function": ["name": .string(name)]])
            }
            return (named, "required")
        }
    }

    static func message(_ message: ChatMessage) -> JSONValue {
        var object: JSONObject = ["role": .string(message.role.rawValue)]
        if message.role == .assistant && !message.toolCalls.isEmpty {
            // The OpenAI form of an assistant turn that only calls tools has null content.
            object["content"] = message.content.isEmpty ? .null : .string(message.content)
            object["tool_calls"] = .array(message.toolCalls.map { call in
                [
                    "id": .string(call.id),
                    "type": "function",
                    // The API wants the arguments as JSON text.
                    "function": ["name": .string(call.name), "arguments": .string(call.arguments.jsonText)],
                ]
            })
        } else {
            object["content"] = .string(message.content)
        }
        if message.role == .tool, let id = message.toolCallID {
            object["tool_call_id"] = .string(id)
        }
        return .object(object)
    }

    static func tool(_ tool: ToolDefinition) -> JSONValue {
        [
            "type": "function",
            "function": [
                "name": .string(tool.name),
                "description": .string(tool.description),
                "parameters": tool.parameters,
            ],
        ]
    }

    // MARK: Streamed responses

    /// One `data:` payload of a streamed chat or text completion.
    struct Chunk: Decodable {
        var choices: [Choice]?
        var usage: Usage?
        /// llama-server's own timings, sent with the last chunk.
        var timings: Timings?
        /// Some servers report a failure after the stream has started as a chunk with an error.
        var error: ErrorDetail?
    }

    struct Choice: Decodable {
        var index: Int?
        var delta: Delta?
        /// The new text of a `/completions` stream.
        var text: String?
        var finishReason: String?

        enum CodingKeys: String, CodingKey {
            case index, delta, text
            case finishReason = "finish_reason"
        }
    }

    struct Delta: Decodable {
        var content: String?
        var toolCalls: [ToolCallDelta]?

        enum CodingKeys: String, CodingKey {
            case content
            case toolCalls = "tool_calls"
        }
    }

    struct ToolCallDelta: Decodable {
        struct Function: Decodable {
            var name: String?
            var arguments: String?

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                name = try container.decodeIfPresent(String.self, forKey: .name)
                // The API sends arguments as JSON text; a few servers send the object itself.
                if let text = try? container.decodeIfPresent(String.self, forKey: .arguments) {
                    arguments = text
                } else {
                    arguments = try container.decodeIfPresent(JSONValue.self, forKey: .arguments)?.jsonText
                }
            }

            enum CodingKeys: String, CodingKey { case name, arguments }
        }

        var index: Int?
        var id: String?
        var function: Function?
    }

    struct Usage: Decodable {
        struct PromptDetails: Decodable {
            var cachedTokens: Int?
            enum CodingKeys: String, CodingKey { case cachedTokens = "cached_tokens" }
        }

        var promptTokens: Int?
        var completionTokens: Int?
        var promptTokensDetails: PromptDetails?

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
            case promptTokensDetails = "prompt_tokens_details"
        }
    }

    struct Timings: Decodable {
        /// Prompt tokens taken from the server's prefix cache.
        var cacheN: Int?
        enum CodingKeys: String, CodingKey { case cacheN = "cache_n" }
    }

    // MARK: Errors

    /// `{"error": {"message": …}}` (OpenAI, llama-server, vLLM) or `{"error": "…"}` (Ollama).
    struct ErrorDetail: Decodable {
        var message: String?

        init(from decoder: any Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                message = text
                return
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            message = try container.decodeIfPresent(String.self, forKey: .message)
        }

        enum CodingKeys: String, CodingKey { case message }
    }

    struct ErrorBody: Decodable {
        var error: ErrorDetail?
        var message: String?
    }
}
