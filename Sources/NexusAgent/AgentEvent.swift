public import NexusCore

/// What a run reports as it goes; the CLI shows these live and the server streams them.
public enum AgentEvent: Sendable {
    /// The run exists (new or resumed) and is about to take its first step.
    case started(runID: String, task: String, resumed: Bool)
    /// The model is asked for step `step` (1-based).
    case thinking(step: Int)
    /// The model called a tool.
    case toolCall(step: Int, call: ToolCall)
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
    /// `completed`, `failed`, `cancelled` or `budget_exhausted`.
    public var status: String
    /// `success`, `failure` or `unknown`, and who judged it.
    public var outcome: String
    public var outcomeSource: String
    public var answer: String
    public var steps: [Step]
    public var promptTokens: Int
    public var completionTokens: Int
    public var seconds: Double
}
