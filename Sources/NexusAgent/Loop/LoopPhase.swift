import Foundation
import NexusCore
import NexusStore

/// The states of the agent loop. Each turn goes `prepare` → `generate` → `act` or `judge`, and
/// back to `prepare`, until a phase ends the run with `end`. A run's durable state (`RunState`) is
/// saved at the end of every turn, so a run resumes at `prepare` after a crash.
enum LoopPhase {
    /// Checks cancellation and budgets, and plans the next turn.
    case prepare
    /// Asks the model; for a program (`ProgramTurn`) when `program` is set.
    case generate(GenerationRequest, program: Bool = false)
    /// Runs the program a program turn's reply holds.
    case runProgram(GenerationResult, since: ContinuousClock.Instant)
    /// Runs a reply's tool calls, unless they only repeat what was done.
    case act(GenerationResult, offered: Set<String>, since: ContinuousClock.Instant)
    /// Checks a reply without calls as the final answer (`AnswerCheck`).
    case judge(GenerationResult, since: ContinuousClock.Instant)
    /// The run is over.
    case end(RunEnd)
}

/// How a run ended: its status, answer and outcome, and who judged it.
struct RunEnd {
    var status: RunStatus
    var answer: String
    var outcome: RunOutcome
    var source: OutcomeSource

    /// Stopped before an answer (Ctrl-C, a cancelled task): everything so far is kept and the
    /// run can be resumed.
    static let cancelled = RunEnd(status: .cancelled, answer: "", outcome: .unknown, source: .none)

    static func budgetExhausted(_ why: String) -> RunEnd {
        RunEnd(status: .budgetExhausted, answer: why, outcome: .failure, source: .budget)
    }

    static func answered(_ answer: String, by source: OutcomeSource) -> RunEnd {
        RunEnd(status: .completed, answer: answer, outcome: .success, source: source)
    }
}

/// One session of the loop over a run: what every phase reads and changes.
struct LoopSession {
    var record: RunRecord
    var state: RunState
    var context: ToolContext
    let policy: CapabilityPolicy
    let emit: @Sendable (AgentEvent) -> Void
    private let started = ContinuousClock.now
    private let elapsedBefore: Double

    init(record: RunRecord, state: RunState, context: ToolContext, policy: CapabilityPolicy, emit: @escaping @Sendable (AgentEvent) -> Void) {
        self.record = record
        self.state = state
        self.context = context
        self.policy = policy
        self.emit = emit
        elapsedBefore = state.elapsedSeconds
    }

    /// Wall-clock seconds of the run over all its sessions.
    var elapsed: Double { elapsedBefore + (ContinuousClock.now - started).inSeconds }
}
