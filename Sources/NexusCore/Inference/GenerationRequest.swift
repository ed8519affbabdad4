/// How the next token is chosen.
public struct SamplingParameters: Sendable, Hashable, Codable {
    /// 0 picks the most likely token (greedy).
    public var temperature: Double
    public var topK: Int
    public var topP: Double
    public var minP: Double
    /// 1.0 disables the penalty.
    public var repeatPenalty: Double
    public var repeatLastN: Int
    public var frequencyPenalty: Double
    public var presencePenalty: Double
    /// A fixed seed makes sampling reproducible; nil picks a random one.
    public var seed: UInt32?

    public init(
        temperature: Double = 0.8, topK: Int = 40, topP: Double = 0.95, minP: Double = 0.05,
        repeatPenalty: Double = 1.0, repeatLastN: Int = 64, frequencyPenalty: Double = 0, presencePenalty: Double = 0,
        seed: UInt32? = nil
    ) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repeatPenalty = repeatPenalty
        self.repeatLastN = repeatLastN
        self.frequencyPenalty = frequencyPenalty
        self.presencePenalty = presencePenalty
        self.seed = seed
    }

    /// Always the most likely token: reproducible output.
    public static let greedy = SamplingParameters(temperature: 0, seed: 0)
}

/// The shape the output must take.
public enum ResponseFormat: Sendable, Hashable {
    case text
    /// Any JSON object.
    case json
    /// JSON valid against this schema.
    case jsonSchema(JSONValue)
}

/// What the model is asked: a conversation (rendered with the model's chat template) or raw text.
public enum Prompt: Sendable, Hashable {
    case chat([ChatMessage])
    /// Raw completion: the text is given to the model as is.
    case text(String)
}

/// One request to an inference backend.
public struct GenerationRequest: Sendable, Hashable {
    public var prompt: Prompt
    public var tools: [ToolDefinition]
    public var toolChoice: ToolChoice
    public var parallelToolCalls: Bool
    public var responseFormat: ResponseFormat
    public var sampling: SamplingParameters
    /// nil generates until the model stops or the context is full.
    public var maxTokens: Int?
    public var stop: [String]
    /// Keep generating past end-of-generation tokens (benchmarks only).
    public var ignoreEndOfGeneration: Bool
    /// A GBNF grammar the output must follow (local models; takes precedence over `responseFormat`).
    public var grammar: String?
    /// Signatures (``ToolCall/signature``) of the calls the conversation already made. When parallel
    /// calls are off and the output holds several calls, the first one not among these is taken:
    /// small models restate the calls they made before writing the new one.
    public var previousCalls: Set<String> = []
    /// A finished output whose tool calls are malformed comes back as the model's text instead of
    /// failing with `invalidToolCall`: what an API client asked for was valid, and the model's
    /// output is the answer. The agent leaves this off to send a malformed call back to the model.
    public var malformedCallsAsText = false
    /// Local models guess the next tokens from the context (what the model is likely copying)
    /// and check the guess in the same batch (`PromptLookupDraft`). Off by default: on a CPU the
    /// extra logits of a checked draft cost about what the accepted tokens save (docs/inference.md).
    public var speculative = false
    /// Jump-forward: where the output grammar admits one continuation (a tool call's envelope, a
    /// schema's next key, and the spacing the model chose the last time it met the same choice),
    /// local models check its tokens in one batch instead of decoding them one at a time. Each
    /// is sampled as it would have been; only a batch's rounding can tip a later near-tie
    /// (docs/inference.md). On by default.
    public var jumpForward = true

    public init(
        prompt: Prompt, tools: [ToolDefinition] = [], toolChoice: ToolChoice = .auto, parallelToolCalls: Bool = false,
        responseFormat: ResponseFormat = .text, sampling: SamplingParameters = SamplingParameters(),
        maxTokens: Int? = nil, stop: [String] = [], ignoreEndOfGeneration: Bool = false, grammar: String? = nil
    ) {
        self.prompt = prompt
        self.tools = tools
        self.toolChoice = toolChoice
        self.parallelToolCalls = parallelToolCalls
        self.responseFormat = responseFormat
        self.sampling = sampling
        self.maxTokens = maxTokens
        self.stop = stop
        self.ignoreEndOfGeneration = ignoreEndOfGeneration
        self.grammar = grammar
    }
}

extension GenerationRequest {
    /// The most tokens this request's prompt can take when no tokenizer is at hand (a remote,
    /// routed or scripted backend): one per byte of the messages and the tools' schemas, plus a
    /// few per message for its role markers. A quota reserves this, never less than what is read.
    public var promptTokenBound: Int {
        let prompt: Int = switch prompt {
        case .text(let text): text.utf8.count
        case .chat(let messages): messages.reduce(0) { $0 + 8 + $1.content.utf8.count + $1.toolCalls.reduce(0) { $0 + $1.signature.utf8.count } }
        }
        return prompt + tools.reduce(0) { $0 + $1.name.utf8.count + $1.description.utf8.count + $1.parameters.jsonText.utf8.count }
    }
}
