public import NexusCore

/// Budgets and prompting of one agent run.
public struct AgentConfiguration: Sendable, Hashable {
    /// Most model turns (each may call tools) before the run ends with `budget_exhausted`.
    public var maxSteps: Int
    /// Most completion tokens over the whole run.
    public var maxTokens: Int
    /// Most seconds of wall-clock time over the whole run.
    public var maxWallSeconds: Double
    /// Most tokens the model may write in one turn.
    public var maxTokensPerTurn: Int
    public var sampling: SamplingParameters
    /// The model must observe a tool result before it may answer: small models otherwise answer
    /// from imagination.
    public var requireObservation: Bool
    /// Memories recalled into the system prompt.
    public var recalledMemories: Int
    /// When HOPE replays, compiles or guides instead of reasoning from scratch.
    public var hope: HopeThresholds
    /// The API key that starts the run through the server; the run belongs to it from the moment
    /// it is stored (`RunRecord.ownerKeyID`). Nil outside the server.
    public var ownerKeyID: String?
    /// The org the run belongs to: its key's. The runner's database handle is scoped to it, so
    /// the run is stored there and learns and remembers only within it.
    public var org: OrgName = .default
    /// The checks a final answer must pass (`AnswerCheck`); all of them unless a corpus run
    /// measures one's effect by leaving it out.
    public var answerChecks: Set<AnswerCheck> = Set(AnswerCheck.allCases)
    /// Which tools a run offers the model (`ToolOffer`).
    public var toolOffer: ToolOffer = .chosen
    /// Turns drawn again, per run, when a greedy model only repeats a failed call (0: never).
    public var maxRedraws = 2
    /// A turn may hold several calls, run in the order written, each recorded as its own step.
    /// Off by default: a small model offered that writes call after call (a plan, or guesses)
    /// where one was needed, and restates earlier calls before its next one.
    public var parallelCalls = false
    /// Before the model's first turn, the runtime reads the files and lists the folders the task
    /// names (`NamedPaths`), as steps of the run. `nexus run` and `nexus serve` turn it on; off
    /// here so that a scripted model's turns line up with the steps a test expects.
    public var looksAhead = false
    /// The model's first turn asks for one Python program that does the whole task, written as
    /// a fenced block in its reply (`ProgramTurn`), and a failed program is sent back to be fixed
    /// up to ``maxPrograms`` times before the turns go on with tool calls. A small coder model
    /// writes a working program in a fence far more often than inside a call's JSON string.
    /// `nexus run` and `nexus serve` turn it on; off here for the same reason as ``looksAhead``.
    public var writesProgramFirst = false
    /// The most programs a run asks for before it goes on with tool calls.
    public var maxPrograms = 3
    /// Programs drawn on each program turn; with more than one, each runs in a scratch copy of
    /// the workspace and the one whose behaviour most of the working ones share is run for real
    /// (`ProgramVote`). `nexus run` and `nexus serve` draw three; one here, so that a scripted
    /// model's replies line up with the turns a test expects.
    public var programCandidates = 1
    /// What `nexus run`, `nexus serve` and `nexus mcp` draw, and the most a request may ask for.
    public static let defaultProgramCandidates = 3
    public static let maxProgramCandidates = 5

    public init(maxSteps: Int = 12, maxTokens: Int = 16_384, maxWallSeconds: Double = 900, maxTokensPerTurn: Int = 768,
                sampling: SamplingParameters = SamplingParameters(temperature: 0, seed: 0), requireObservation: Bool = true,
                recalledMemories: Int = 3, hope: HopeThresholds = HopeThresholds()) {
        self.maxSteps = maxSteps
        self.maxTokens = maxTokens
        self.maxWallSeconds = maxWallSeconds
        self.maxTokensPerTurn = maxTokensPerTurn
        self.sampling = sampling
        self.requireObservation = requireObservation
        self.recalledMemories = recalledMemories
        self.hope = hope
    }
}

/// Which tools a run offers the model: a small model picks the right tool far more often among
/// five than among fifteen (`ToolSelection`), at the risk of leaving out one a task needs.
public enum ToolOffer: String, Sendable, Hashable, CaseIterable, Codable {
    /// The few the task's words point to, plus listing and reading (a question: only tools that find things out).
    case chosen
    /// Every tool the policy allows.
    case all
}
