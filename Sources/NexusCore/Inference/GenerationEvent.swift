/// Why generation ended.
public enum FinishReason: String, Sendable, Hashable, Codable {
    /// The model ended its answer or a stop sequence matched.
    case stop
    /// `maxTokens` or the context ran out.
    case length
    /// The model called tools.
    case toolCalls = "tool_calls"
    /// The caller cancelled.
    case cancelled
}

/// Token counts and timings of one generation.
public struct GenerationUsage: Sendable, Hashable, Codable {
    public var promptTokens: Int
    /// Prompt tokens reused from the prefix cache instead of evaluated again.
    public var cachedPromptTokens: Int
    public var completionTokens: Int
    public var promptSeconds: Double
    public var generationSeconds: Double
    /// Tokens guessed from the context and checked alongside the generation, and how many of
    /// them the model produced (the rest were decoded for nothing).
    public var draftTokens = 0
    public var acceptedDraftTokens = 0
    /// Tokens of text the output grammar forced (jump-forward), and how many the model produced:
    /// a forced text can be tokenized in more than one way, and the model's own way is kept.
    public var forcedTokens = 0
    public var acceptedForcedTokens = 0

    public init(promptTokens: Int = 0, cachedPromptTokens: Int = 0, completionTokens: Int = 0,
                promptSeconds: Double = 0, generationSeconds: Double = 0) {
        self.promptTokens = promptTokens
        self.cachedPromptTokens = cachedPromptTokens
        self.completionTokens = completionTokens
        self.promptSeconds = promptSeconds
        self.generationSeconds = generationSeconds
    }
}

/// The complete outcome of one generation.
public struct GenerationResult: Sendable, Hashable {
    /// The answer text, without tool-call markup.
    public var text: String
    public var toolCalls: [ToolCall]
    public var finishReason: FinishReason
    public var usage: GenerationUsage
    /// How many calls from the request's `previousCalls` the output restated before the call taken.
    public var restatedCalls = 0

    public init(text: String, toolCalls: [ToolCall] = [], finishReason: FinishReason, usage: GenerationUsage = GenerationUsage()) {
        self.text = text
        self.toolCalls = toolCalls
        self.finishReason = finishReason
        self.usage = usage
    }
}

/// What a streaming generation yields: text as it is produced, then the result.
public enum GenerationEvent: Sendable, Hashable {
    /// New answer text (never tool-call markup).
    case text(String)
    /// The end: the whole answer, tool calls and usage.
    case done(GenerationResult)
}
