public import Foundation
public import NexusCore

/// Ollama's response bodies, built as ordered JSON.
public enum OllamaResponses {
    /// One streamed piece of a chat answer (`done: false`).
    public static func chatChunk(model: String, text: String, toolCalls: [ToolCall] = [], at date: Date = Date()) -> JSONValue {
        var message: JSONObject = ["role": "assistant", "content": .string(text)]
        if !toolCalls.isEmpty { message["tool_calls"] = .array(toolCalls.enumerated().map(toolCall)) }
        return ["model": .string(model), "created_at": .string(WireTime.rfc3339(date)), "message": .object(message), "done": false]
    }

    /// One streamed piece of a generate answer (`done: false`).
    public static func generateChunk(model: String, text: String, at date: Date = Date()) -> JSONValue {
        ["model": .string(model), "created_at": .string(WireTime.rfc3339(date)), "response": .string(text), "done": false]
    }

    /// The last object of a chat: the whole message when not streaming, an empty one when streaming.
    public static func chatFinal(model: String, result: GenerationResult, timing: RequestTiming, streamed: Bool) -> JSONValue {
        var message: JSONObject = ["role": "assistant", "content": .string(streamed ? "" : result.text)]
        if !streamed, !result.toolCalls.isEmpty {
            message["tool_calls"] = .array(result.toolCalls.enumerated().map(toolCall))
        }
        var body: JSONObject = ["model": .string(model), "created_at": .string(WireTime.rfc3339(Date())), "message": .object(message)]
        addCompletion(result: result, timing: timing, to: &body)
        return .object(body)
    }

    /// The last object of a generate.
    public static func generateFinal(model: String, result: GenerationResult, timing: RequestTiming, streamed: Bool) -> JSONValue {
        var body: JSONObject = [
            "model": .string(model), "created_at": .string(WireTime.rfc3339(Date())), "response": .string(streamed ? "" : result.text),
        ]
        addCompletion(result: result, timing: timing, to: &body)
        return .object(body)
    }

    /// The answer to a request that only loads (`done_reason: "load"`) or unloads a model.
    public static func loadOnly(model: String, chat: Bool, reason: String) -> JSONValue {
        var body: JSONObject = ["model": .string(model), "created_at": .string(WireTime.rfc3339(Date()))]
        if chat { body["message"] = ["role": "assistant", "content": ""] } else { body["response"] = "" }
        body["done"] = true
        body["done_reason"] = .string(reason)
        return .object(body)
    }

    private static func addCompletion(result: GenerationResult, timing: RequestTiming, to body: inout JSONObject) {
        body["done"] = true
        body["done_reason"] = .string(doneReason(result.finishReason))
        let usage = result.usage
        body["total_duration"] = .number(Double(WireTime.nanoseconds(timing.totalSeconds)))
        body["load_duration"] = .number(Double(WireTime.nanoseconds(timing.loadSeconds)))
        body["prompt_eval_count"] = .number(Double(usage.promptTokens))
        body["prompt_eval_duration"] = .number(Double(WireTime.nanoseconds(usage.promptSeconds)))
        body["eval_count"] = .number(Double(usage.completionTokens))
        body["eval_duration"] = .number(Double(WireTime.nanoseconds(usage.generationSeconds)))
    }

    /// Ollama says "stop" for a finished answer, tool calls included, and "length" at the limit.
    static func doneReason(_ reason: FinishReason) -> String {
        switch reason {
        case .stop, .toolCalls: "stop"
        case .length: "length"
        case .cancelled: "cancelled"
        }
    }

    /// Ollama writes a call's arguments as an object, not as JSON text.
    static func toolCall(_ index: Int, _ call: ToolCall) -> JSONValue {
        ["id": .string(call.id), "function": ["index": .number(Double(index)), "name": .string(call.name), "arguments": call.arguments]]
    }

    // MARK: Models

    /// `GET /api/tags`.
    public static func tags(_ models: [ModelDescription]) -> JSONValue {
        ["models": .array(models.map { model in
            [
                "name": .string(model.name), "model": .string(model.name),
                "modified_at": .string(WireTime.rfc3339(model.modifiedAt)),
                "size": .number(Double(model.size)), "digest": .string(model.digest),
                "details": details(model),
            ]
        })]
    }

    /// `GET /api/ps`.
    public static func running(_ models: [LoadedModelDescription]) -> JSONValue {
        ["models": .array(models.map { loaded in
            let model = loaded.model
            // "Forever" is written as a far date, as Ollama does for keep_alive -1.
            let expires = loaded.expiresAt ?? Date(timeIntervalSince1970: 4_102_444_800)
            return [
                "name": .string(model.name), "model": .string(model.name),
                "size": .number(Double(model.size)), "digest": .string(model.digest),
                "details": details(model),
                "expires_at": .string(WireTime.rfc3339(expires)),
                "size_vram": 0, "context_length": .number(Double(loaded.contextLength)),
            ]
        })]
    }

    /// `POST /api/show`.
    public static func show(_ model: ModelDescription) -> JSONValue {
        var info: JSONObject = [
            "general.architecture": .string(model.architecture),
            "general.basename": .string(model.name),
        ]
        if let length = model.contextLength { info["\(model.architecture).context_length"] = .number(Double(length)) }
        var capabilities: [JSONValue] = ["completion"]
        if model.supportsTools { capabilities.append("tools") }
        if model.supportsEmbeddings { capabilities.append("embedding") }
        let parameters = model.parameters.map { "\($0.key) \($0.value.stringValue ?? $0.value.jsonText)" }.joined(separator: "\n")
        var body: JSONObject = [
            "modelfile": .string(modelfile(model)),
            "parameters": .string(parameters),
            "template": .string(model.template ?? ""),
            "details": details(model),
            "model_info": .object(info),
            "capabilities": .array(capabilities),
            "modified_at": .string(WireTime.rfc3339(model.modifiedAt)),
        ]
        if let system = model.system { body["system"] = .string(system) }
        return .object(body)
    }

    static func details(_ model: ModelDescription) -> JSONValue {
        [
            "parent_model": "", "format": "gguf", "family": .string(model.architecture),
            "families": [.string(model.architecture)],
            "parameter_size": .string(model.parameterSize), "quantization_level": .string(model.quantization),
        ]
    }

    /// A Modelfile that would recreate the model, as `ollama show --modelfile` prints it.
    static func modelfile(_ model: ModelDescription) -> String {
        var lines = ["# Modelfile generated by nexus", "FROM \(model.name)"]
        if let system = model.system { lines.append("SYSTEM \"\"\"\(system)\"\"\"") }
        for (key, value) in model.parameters { lines.append("PARAMETER \(key) \(value.stringValue ?? value.jsonText)") }
        return lines.joined(separator: "\n")
    }

    /// `POST /api/embed`.
    public static func embed(model: String, embeddings: [[Float]], promptTokens: Int, timing: RequestTiming) -> JSONValue {
        [
            "model": .string(model),
            "embeddings": .array(embeddings.map(vector)),
            "total_duration": .number(Double(WireTime.nanoseconds(timing.totalSeconds))),
            "load_duration": .number(Double(WireTime.nanoseconds(timing.loadSeconds))),
            "prompt_eval_count": .number(Double(promptTokens)),
        ]
    }

    /// A vector of floats as JSON numbers (the float's own shortest text, not the double's).
    public static func vector(_ values: [Float]) -> JSONValue {
        .array(values.map { .number(Double("\($0)") ?? Double($0)) })
    }

    /// Progress of `/api/pull` and `/api/create`: `{"status": …}` with byte counts while downloading.
    public static func status(_ status: String, digest: String? = nil, total: Int64? = nil, completed: Int64? = nil) -> JSONValue {
        var body: JSONObject = ["status": .string(status)]
        if let digest { body["digest"] = .string(digest) }
        if let total { body["total"] = .number(Double(total)) }
        if let completed { body["completed"] = .number(Double(completed)) }
        return .object(body)
    }

    /// Ollama's error shape.
    public static func error(_ message: String) -> JSONValue { ["error": .string(message)] }
}

/// How long a request took: loading the model, and in all.
public struct RequestTiming: Sendable, Hashable {
    public var loadSeconds: Double
    public var totalSeconds: Double

    public init(loadSeconds: Double, totalSeconds: Double) {
        self.loadSeconds = loadSeconds
        self.totalSeconds = totalSeconds
    }
}
