public import NexusCore
public import NexusStore

/// What a run reports as it goes; the CLI shows these live and the server streams them.
public enum AgentEvent: Sendable {
    /// The run exists (new or resumed) and is about to take its first step.
    case started(runID: String, task: String, resumed: Bool)
    /// HOPE chose how the run works (and again if a model-free run falls back to the model).
    case dispatched(mode: HopeMode, confidence: Double, reason: String)
    /// The model is asked for step `step` (1-based).
    case thinking(step: Int)
    /// A tool is called: by the model (`usage` is what its turn took, on the turn's first call)
    /// or without it (a replay, a look-ahead: nil).
    case toolCall(step: Int, call: ToolCall, usage: GenerationUsage?)
    /// The tool answered.
    case toolResult(step: Int, call: ToolCall, result: ToolResult, seconds: Double)
    /// The run ended; the summary is also in the store.
    case finished(RunSummary)
}

/// The end state of a run, as `nexus run --json` prints it.
public struct RunSummary: Sendable, Hashable, Codable {
    public struct Step: Sendable, Hashable, Codable {
        public var tool: String
        public var arguments: JSONValue
        public var status: String
    }

    public var id: String
    public var status: RunStatus
    /// How the result was judged, and who judged it.
    public var outcome: RunOutcome
    public var outcomeSource: OutcomeSource
    public var answer: String
    public var steps: [Step]
    public var promptTokens: Int
    public var completionTokens: Int
    public var seconds: Double
    /// HOPE's mode for the run, the match confidence behind it, and why.
    public var mode: HopeMode
    public var confidence: Double
    public var reason: String
    /// Model tokens in and out (the same as `promptTokens` and `completionTokens`).
    public var tokens: Tokens

    public struct Tokens: Sendable, Hashable, Codable {
        public var `in`: Int
        public var out: Int
    }

    public init(id: String, status: RunStatus, outcome: RunOutcome, outcomeSource: OutcomeSource, answer: String, steps: [Step], promptTokens: Int,
                completionTokens: Int, seconds: Double, mode: HopeMode, confidence: Double, reason: String) {
        self.id = id
        self.status = status
        self.outcome = outcome
        self.outcomeSource = outcomeSource
        self.answer = answer
        self.steps = steps
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.seconds = seconds
        self.mode = mode
        self.confidence = confidence
        self.reason = reason
        self.tokens = Tokens(in: promptTokens, out: completionTokens)
    }
}
