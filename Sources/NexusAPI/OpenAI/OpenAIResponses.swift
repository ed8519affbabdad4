public import Foundation
public import NexusCore

/// OpenAI's response bodies, built as ordered JSON.
public enum OpenAIResponses {
    /// A whole `chat.completion`.
    public static func chatCompletion(id: String, model: String, created: Date, result: GenerationResult) -> JSONValue {
        var message: JSONObject = ["role": "assistant"]
        // A turn that only calls tools has null content, as OpenAI writes it.
        message["content"] = result.text.isEmpty && !result.toolCalls.isEmpty ? .null : .string(result.text)
        if !result.toolCalls.isEmpty { message["tool_calls"] = .array(result.toolCalls.enumerated().map { toolCall($1, index: nil) }) }
        return [
            "id": .string(id), "object": "chat.completion", "created": .number(Double(WireTime.unix(created))),
            "model": .string(model),
            "choices": [["index": 0, "message": .object(message), "logprobs": .null, "finish_reason": .string(result.finishReason.openAI)]],
            "usage": usage(result.usage),
        ]
    }

    /// One `chat.completion.chunk` with a delta (and the finish reason on the last one).
    public static func chatChunk(id: String, model: String, created: Date, delta: JSONObject, finishReason: FinishReason? = nil) -> JSONValue {
        [
            "id": .string(id), "object": "chat.completion.chunk", "created": .number(Double(WireTime.unix(created))),
            "model": .string(model),
            "choices": [["index": 0, "delta": .object(delta), "logprobs": .null,
                         "finish_reason": finishReason.map { .string($0.openAI) } ?? .null]],
        ]
    }

    /// The delta that streams a finished tool call: its id, name and whole arguments at once.
    public static func toolCallDelta(_ call: ToolCall, index: Int) -> JSONObject {
        ["tool_calls": [toolCall(call, index: index)]]
    }

    /// The chunk after the last one when `stream_options.include_usage` is set: no choices, the counts.
    public static func usageChunk(id: String, model: String, created: Date, usage value: GenerationUsage, object: String) -> JSONValue {
        [
            "id": .string(id), "object": .string(object), "created": .number(Double(WireTime.unix(created))),
            "model": .string(model), "choices": [], "usage": usage(value),
        ]
    }

    /// A whole `text_completion`, or one streamed chunk of it (`finishReason` nil until the end).
    public static func textCompletion(id: String, model: String, created: Date, text: String, finishReason: FinishReason?,
                                      usage value: GenerationUsage?) -> JSONValue {
        var body: JSONObject = [
            "id": .string(id), "object": "text_completion", "created": .number(Double(WireTime.unix(created))),
            "model": .string(model),
            "choices": [["text": .string(text), "index": 0, "logprobs": .null,
                         "finish_reason": finishReason.map { .string($0.openAI) } ?? .null]],
        ]
        if let value { body["usage"] = usage(value) }
        return .object(body)
    }

    static func toolCall(_ call: ToolCall, index: Int?) -> JSONValue {
        var object: JSONObject = [:]
        if let index { object["index"] = .number(Double(index)) }
        object["id"] = .string(call.id)
        object["type"] = "function"
        // OpenAI sends a call's arguments as JSON text.
        object["function"] = ["name": .string(call.name), "arguments": .string(call.arguments.jsonText)]
        return .object(object)
    }

    static func usage(_ usage: GenerationUsage) -> JSONValue {
        [
            "prompt_tokens": .number(Double(usage.promptTokens)),
            "completion_tokens": .number(Double(usage.completionTokens)),
            "total_tokens": .number(Double(usage.promptTokens + usage.completionTokens)),
            "prompt_tokens_details": ["cached_tokens": .number(Double(usage.cachedPromptTokens))],
            // OpenAI's fields for predicted tokens: here the drafts taken from the context.
            "completion_tokens_details": [
                "accepted_prediction_tokens": .number(Double(usage.acceptedDraftTokens)),
                "rejected_prediction_tokens": .number(Double(usage.draftTokens - usage.acceptedDraftTokens)),
                // Nexus's own: tokens of grammar-forced text decoded as a batch (jump-forward).
                "forced_tokens": .number(Double(usage.acceptedForcedTokens)),
                "rejected_forced_tokens": .number(Double(usage.forcedTokens - usage.acceptedForcedTokens)),
            ],
        ]
    }

    /// `GET /v1/models`.
    public static func models(_ models: [ModelDescription]) -> JSONValue {
        ["object": "list", "data": .array(models.map(model))]
    }

    /// One entry of `/v1/models`, also the body of `/v1/models/{id}`.
    public static func model(_ model: ModelDescription) -> JSONValue {
        ["id": .string(model.name), "object": "model", "created": .number(Double(WireTime.unix(model.modifiedAt))), "owned_by": "nexus"]
    }

    /// `POST /v1/embeddings`; base64 is the little-endian float32 bytes, as OpenAI sends them.
    public static func embeddings(model: String, embeddings: [[Float]], promptTokens: Int, base64: Bool) -> JSONValue {
        [
            "object": "list",
            "data": .array(embeddings.enumerated().map { index, vector in
                [
                    "object": "embedding", "index": .number(Double(index)),
                    "embedding": base64 ? .string(base64Floats(vector)) : OllamaResponses.vector(vector),
                ]
            }),
            "model": .string(model),
            "usage": ["prompt_tokens": .number(Double(promptTokens)), "total_tokens": .number(Double(promptTokens))],
        ]
    }

    static func base64Floats(_ vector: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }

    /// OpenAI's error shape.
    public static func error(_ message: String, type: String, code: String?, param: String? = nil) -> JSONValue {
        ["error": ["message": .string(message), "type": .string(type), "param": param.map(JSONValue.string) ?? .null,
                   "code": code.map(JSONValue.string) ?? .null]]
    }
}

extension FinishReason {
    /// OpenAI has no "cancelled"; a cancelled request has no reader left anyway.
    var openAI: String { self == .cancelled ? "stop" : rawValue }
}
