public import NexusCore

/// What an Ollama `/api/chat` or `/api/generate` request asks for, in the domain's terms.
public struct OllamaGenerationRequest: Sendable {
    public var model: String
    /// nil when the request only loads or unloads the model (no messages, empty prompt).
    public var generation: GenerationRequest?
    /// Ollama streams unless told `"stream": false`.
    public var stream: Bool
    public var keepAlive: KeepAlive?
}

/// Parses Ollama's request bodies.
public enum OllamaRequests {
    /// `POST /api/chat`.
    /// - Throws: `NexusError(.invalidArgument)` naming the field at fault.
    public static func chat(_ fields: RequestFields) throws -> OllamaGenerationRequest {
        let model = try fields.requiredString("model")
        let messages = try fields.array("messages") == nil ? [] : try ChatFields.messages(in: fields)
        let tools = try ChatFields.tools(in: fields)
        var generation: GenerationRequest?
        if !messages.isEmpty {
            try rejectImages(in: fields.objects("messages") ?? [])
            // Ollama answers with every call the model wrote in a turn.
            var request = GenerationRequest(prompt: .chat(messages), tools: tools, toolChoice: try ChatFields.toolChoice(in: fields, tools: tools),
                                            parallelToolCalls: true)
            request.malformedCallsAsText = true
            try applyCommon(fields, to: &request)
            generation = request
        }
        return OllamaGenerationRequest(
            model: model, generation: generation, stream: try fields.bool("stream") ?? true,
            keepAlive: try fields["keep_alive"].map(KeepAlive.init))
    }

    /// `POST /api/generate`: the prompt goes through the model's chat template unless `raw` is set.
    public static func generate(_ fields: RequestFields) throws -> OllamaGenerationRequest {
        let model = try fields.requiredString("model")
        let prompt = try fields.string("prompt") ?? ""
        if let suffix = try fields.string("suffix"), !suffix.isEmpty {
            throw NexusError(.invalidArgument, "'suffix' (fill-in-the-middle) is not supported; send the whole prompt")
        }
        if let images = try fields.array("images"), !images.isEmpty {
            throw NexusError(.invalidArgument, "'images' are not supported: the served models read text only")
        }
        var generation: GenerationRequest?
        if !prompt.isEmpty {
            let system = try fields.string("system")
            let promptValue: Prompt
            if try fields.bool("raw") == true {
                promptValue = .text(prompt)
            } else {
                promptValue = .chat((system.map { [ChatMessage.system($0)] } ?? []) + [.user(prompt)])
            }
            var request = GenerationRequest(prompt: promptValue)
            try applyCommon(fields, to: &request)
            generation = request
        }
        return OllamaGenerationRequest(
            model: model, generation: generation, stream: try fields.bool("stream") ?? true,
            keepAlive: try fields["keep_alive"].map(KeepAlive.init))
    }

    /// `format` and `options`, which chat and generate share.
    private static func applyCommon(_ fields: RequestFields, to request: inout GenerationRequest) throws {
        request.responseFormat = try format(fields)
        // Nexus's own field: drafting from the context, off unless a client asks for it.
        request.speculative = try fields.bool("speculative") ?? false
        // And jump-forward over grammar-forced text, on unless a client turns it off.
        request.jumpForward = try fields.bool("jump_forward") ?? true
        guard let options = try fields.fields("options") else { return }
        request.sampling = try SamplingFields.sampling(in: options)
        request.stop = try SamplingFields.stop(in: options)
        request.maxTokens = try SamplingFields.tokenLimit(numPredictIn: options)
    }

    /// `format`: "json" or a JSON Schema.
    private static func format(_ fields: RequestFields) throws -> ResponseFormat {
        switch fields["format"] {
        case nil, .string("")?: return .text
        case .string("json")?: return .json
        case .object(let schema)?: return try ChatFields.schemaFormat(.object(schema), field: "'format'")
        default: throw NexusError(.invalidArgument, "'format' must be \"json\" or a JSON Schema object")
        }
    }

    private static func rejectImages(in messages: [RequestFields]) throws {
        for message in messages {
            if let images = try message.array("images"), !images.isEmpty {
                throw NexusError(.invalidArgument, "\(message.name("images")) are not supported: the served models read text only")
            }
        }
    }

    /// `POST /api/embed` (`input`: text or texts) and the older `/api/embeddings` (`prompt`).
    public static func embed(_ fields: RequestFields) throws -> (model: String, inputs: [String], keepAlive: KeepAlive?) {
        let model = try fields.requiredString("model")
        let inputs = try fields.strings("input") ?? fields.strings("prompt") ?? []
        return (model, inputs, try fields["keep_alive"].map(KeepAlive.init))
    }
}
