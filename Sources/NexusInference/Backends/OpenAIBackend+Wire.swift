import Foundation
import NexusCore

/// The JSON shapes of the OpenAI chat and text completion APIs, as far as ``OpenAIBackend`` uses them.
///
/// Field names follow the wire (snake_case) through explicit coding keys; a key strategy would also rewrite
/// the keys of tool schemas and arguments.
enum OpenAIWire {
    // MARK: Requests

    /// The fields `/chat/completions` and `/completions` share.
    struct Options: Encodable {
        var temperature: Double
        var topP: Double
        var seed: UInt32?
        var maxTokens: Int?
        var stop: [String]?
        var frequencyPenalty: Double
        var presencePenalty: Double
        var responseFormat: ResponseFormat?
        // llama-server's own sampling fields; other servers ignore them.
        var topK: Int
        var minP: Double
        var repeatPenalty: Double
        var repeatLastN: Int
        var ignoreEOS: Bool?

        init(_ request: GenerationRequest) {
            let sampling = request.sampling
            temperature = sampling.temperature
            topP = sampling.topP
            seed = sampling.seed
            maxTokens = request.maxTokens
            stop = request.stop.isEmpty ? nil : request.stop
            frequencyPenalty = sampling.frequencyPenalty
            presencePenalty = sampling.presencePenalty
            responseFormat = ResponseFormat(request.responseFormat)
            topK = sampling.topK
            minP = sampling.minP
            repeatPenalty = sampling.repeatPenalty
            repeatLastN = sampling.repeatLastN
            ignoreEOS = request.ignoreEndOfGeneration ? true : nil
        }

        enum CodingKeys: String, CodingKey {
            case temperature, seed, stop
            case topP = "top_p"
            case maxTokens = "max_tokens"
            case frequencyPenalty = "frequency_penalty"
            case presencePenalty = "presence_penalty"
            case responseFormat = "response_format"
            case topK = "top_k"
            case minP = "min_p"
            case repeatPenalty = "repeat_penalty"
            case repeatLastN = "repeat_last_n"
            case ignoreEOS = "ignore_eos"
        }
    }

    struct StreamOptions: Encodable {
        var includeUsage = true
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    /// A body for `POST /chat/completions`.
    struct ChatRequest: Encodable {
        var model: String
        var messages: [Message]
        var tools: [Tool]?
        var toolChoice: ToolChoice?
        var parallelToolCalls: Bool?
        var options: Options
        var stream = true
        var streamOptions = StreamOptions()

        init(model: String, messages: [ChatMessage], request: GenerationRequest) {
            self.model = model
            self.messages = messages.map(Message.init)
            self.options = Options(request)
            guard !request.tools.isEmpty else { return }
            switch request.toolChoice {
            case .auto:
                tools = request.tools.map(Tool.init)
                toolChoice = .mode("auto")
            case .none:
                tools = request.tools.map(Tool.init)
                toolChoice = .mode("none")
            case .required:
                tools = request.tools.map(Tool.init)
                toolChoice = .mode("required")
            case .function(let name):
                // `{"type": "function", "function": {"name": …}}` is the OpenAI form, but llama-server reads
                // tool_choice only as a string and silently falls back to "auto" for an object. Offering only
                // the named tool and requiring a call means the same thing and every server enforces it.
                let named = request.tools.filter { $0.name == name }
                tools = (named.isEmpty ? request.tools : named).map(Tool.init)
                toolChoice = named.isEmpty ? .function(name) : .mode("required")
            }
            parallelToolCalls = request.parallelToolCalls
        }

        enum CodingKeys: String, CodingKey {
            case model, messages, tools, stream
            case toolChoice = "tool_choice"
            case parallelToolCalls = "parallel_tool_calls"
            case streamOptions = "stream_options"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(model, forKey: .model)
            try container.encode(messages, forKey: .messages)
            try container.encodeIfPresent(tools, forKey: .tools)
            try container.encodeIfPresent(toolChoice, forKey: .toolChoice)
            try container.encodeIfPresent(parallelToolCalls, forKey: .parallelToolCalls)
            try container.encode(stream, forKey: .stream)
            try container.encode(streamOptions, forKey: .streamOptions)
            try options.encode(to: encoder)
        }
    }

    /// A body for `POST /completions` (raw text, no chat template).
    struct CompletionRequest: Encodable {
        var model: String
        var prompt: String
        var options: Options
        var stream = true
        var streamOptions = StreamOptions()

        enum CodingKeys: String, CodingKey {
            case model, prompt, stream
            case streamOptions = "stream_options"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(model, forKey: .model)
            try container.encode(prompt, forKey: .prompt)
            try container.encode(stream, forKey: .stream)
            try container.encode(streamOptions, forKey: .streamOptions)
            try options.encode(to: encoder)
        }
    }

    struct Message: Encodable {
        var message: ChatMessage

        enum CodingKeys: String, CodingKey {
            case role, content
            case toolCalls = "tool_calls"
            case toolCallID = "tool_call_id"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(message.role.rawValue, forKey: .role)
            if message.role == .assistant && !message.toolCalls.isEmpty {
                // The OpenAI form of an assistant turn that only calls tools has null content.
                if message.content.isEmpty {
                    try container.encodeNil(forKey: .content)
                } else {
                    try container.encode(message.content, forKey: .content)
                }
                try container.encode(message.toolCalls.map(OutgoingToolCall.init), forKey: .toolCalls)
            } else {
                try container.encode(message.content, forKey: .content)
            }
            if message.role == .tool, let id = message.toolCallID {
                try container.encode(id, forKey: .toolCallID)
            }
        }
    }

    struct OutgoingToolCall: Encodable {
        struct Function: Encodable {
            var name: String
            /// The arguments as JSON text, as the API wants them.
            var arguments: String
        }

        var id: String
        var type = "function"
        var function: Function

        init(_ call: ToolCall) {
            id = call.id
            function = Function(name: call.name, arguments: call.arguments.jsonText)
        }
    }

    struct Tool: Encodable {
        struct Function: Encodable {
            var name: String
            var description: String
            var parameters: JSONValue
        }

        var type = "function"
        var function: Function

        init(_ tool: ToolDefinition) {
            function = Function(name: tool.name, description: tool.description, parameters: tool.parameters)
        }
    }

    enum ToolChoice: Encodable {
        case mode(String)
        case function(String)

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .mode(let mode):
                var container = encoder.singleValueContainer()
                try container.encode(mode)
            case .function(let name):
                let value: JSONValue = ["type": "function", "function": ["name": .string(name)]]
                try value.encode(to: encoder)
            }
        }
    }

    enum ResponseFormat: Encodable {
        case jsonObject
        case jsonSchema(JSONValue)

        init?(_ format: NexusCore.ResponseFormat) {
            switch format {
            case .text: return nil
            case .json: self = .jsonObject
            case .jsonSchema(let schema): self = .jsonSchema(schema)
            }
        }

        func encode(to encoder: any Encoder) throws {
            let value: JSONValue
            switch self {
            case .jsonObject:
                value = ["type": "json_object"]
            case .jsonSchema(let schema):
                value = ["type": "json_schema", "json_schema": ["name": "output", "schema": schema, "strict": true]]
            }
            try value.encode(to: encoder)
        }
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
