public import NexusCore

/// What an OpenAI `/v1/chat/completions` or `/v1/completions` request asks for.
public struct OpenAIGenerationRequest: Sendable {
    public var model: String
    public var generation: GenerationRequest
    public var stream: Bool
    /// `stream_options.include_usage`: a last chunk with the token counts.
    public var includeUsage: Bool
}

/// Parses OpenAI's request bodies.
public enum OpenAIRequests {
    /// `POST /v1/chat/completions`.
    /// - Throws: `NexusError(.invalidArgument)` naming the field at fault.
    public static func chat(_ fields: RequestFields) throws -> OpenAIGenerationRequest {
        let model = try fields.requiredString("model")
        let messages = try ChatFields.messages(in: fields)
        guard !messages.isEmpty else {
            throw NexusError(.invalidArgument, "'messages' must hold at least one message")
        }
        let tools = try ChatFields.tools(in: fields)
        var request = GenerationRequest(
            prompt: .chat(messages), tools: tools, toolChoice: try ChatFields.toolChoice(in: fields, tools: tools),
            parallelToolCalls: try fields.bool("parallel_tool_calls") ?? true)
        request.malformedCallsAsText = true
        request.responseFormat = try responseFormat(fields)
        try applyCommon(fields, to: &request)
        return try finish(fields, model: model, generation: request)
    }

    /// `POST /v1/completions`: raw text, no chat template.
    public static func completion(_ fields: RequestFields) throws -> OpenAIGenerationRequest {
        let model = try fields.requiredString("model")
        guard let prompts = try fields.strings("prompt"), prompts.count == 1, let prompt = prompts.first, !prompt.isEmpty else {
            throw NexusError(.invalidArgument, "'prompt' is required: one non-empty string")
        }
        if let suffix = try fields.string("suffix"), !suffix.isEmpty {
            throw NexusError(.invalidArgument, "'suffix' is not supported; send the whole prompt")
        }
        var request = GenerationRequest(prompt: .text(prompt))
        try applyCommon(fields, to: &request)
        return try finish(fields, model: model, generation: request)
    }

    /// `POST /v1/embeddings`: the texts to embed and whether to answer in base64.
    public static func embeddings(_ fields: RequestFields) throws -> (model: String, inputs: [String], base64: Bool) {
        let model = try fields.requiredString("model")
        guard let inputs = try fields.strings("input"), !inputs.isEmpty else {
            throw NexusError(.invalidArgument, "'input' is required: a string or an array of strings (token arrays are not supported)")
        }
        let encoding = try fields.string("encoding_format") ?? "float"
        guard encoding == "float" || encoding == "base64" else {
            throw NexusError(.invalidArgument, "'encoding_format' must be float or base64, not '\(encoding)'")
        }
        if try fields.integer("dimensions", in: 1...1_000_000) != nil {
            throw NexusError(.invalidArgument, "'dimensions' is not supported: the model's embedding size is fixed")
        }
        return (model, inputs, encoding == "base64")
    }

    private static func applyCommon(_ fields: RequestFields, to request: inout GenerationRequest) throws {
        request.sampling = try SamplingFields.sampling(in: fields)
        request.stop = try SamplingFields.stop(in: fields)
        let limit = try fields.integer("max_completion_tokens", in: 0...Int(Int32.max))
            ?? fields.integer("max_tokens", in: -1...Int(Int32.max))
        if let limit, limit >= 0 { request.maxTokens = limit }
        // Nexus's own field: drafting from the context, off unless a client asks for it.
        request.speculative = try fields.bool("speculative") ?? false
        // And jump-forward over grammar-forced text, on unless a client turns it off.
        request.jumpForward = try fields.bool("jump_forward") ?? true
        if let choices = try fields.integer("n", in: 1...128), choices != 1 {
            throw NexusError(.invalidArgument, "'n' must be 1: this server returns one choice per request")
        }
        if try fields.bool("logprobs") == true {
            throw NexusError(.invalidArgument, "'logprobs' is not supported")
        }
    }

    private static func finish(_ fields: RequestFields, model: String, generation: GenerationRequest) throws -> OpenAIGenerationRequest {
        let stream = try fields.bool("stream") ?? false
        let includeUsage = try fields.fields("stream_options")?.bool("include_usage") ?? false
        return OpenAIGenerationRequest(model: model, generation: generation, stream: stream, includeUsage: includeUsage)
    }

    /// `response_format`: text, json_object, or json_schema with its schema.
    private static func responseFormat(_ fields: RequestFields) throws -> ResponseFormat {
        guard let format = try fields.fields("response_format") else { return .text }
        switch try format.requiredString("type") {
        case "text": return .text
        case "json_object": return .json
        case "json_schema":
            guard let wrapper = try format.fields("json_schema"), let schema = wrapper["schema"] else {
                throw NexusError(.invalidArgument, "'response_format.json_schema.schema' is required for type json_schema")
            }
            return try ChatFields.schemaFormat(schema, field: "'response_format.json_schema.schema'")
        case let other:
            throw NexusError(.invalidArgument, "'response_format.type' must be text, json_object or json_schema, not '\(other)'")
        }
    }
}
