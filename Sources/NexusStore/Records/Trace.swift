public import Foundation

/// The execution trace of one run, summarized for HOPE: what the task looked like, which tools
/// it used in which order, and what it cost. The steps themselves are the run's (`RunStore.steps`).
public struct Trace: Sendable, Codable, Hashable {
    public var runID: String
    public var task: String
    /// `TaskSignature.of(task)`: the task's shape, shared by repeats of the same kind of task.
    public var signature: String
    public var model: String
    /// The tools called, in order (steps without a tool left out).
    public var toolSequence: [String]
    public var stepCount: Int
    public var toolCalls: Int
    /// Steps whose status was "error" or "refused".
    public var failedSteps: Int
    public var promptTokens: Int
    public var completionTokens: Int
    /// Time spent inside tools.
    public var toolSeconds: Double
    /// From the run's creation to its last update.
    public var wallSeconds: Double
    /// The run's status and outcome, as they are now (feedback given later shows here).
    public var status: RunStatus
    public var outcome: RunOutcome?
    public var outcomeSource: OutcomeSource?
    public var createdAt: Date
    public var recordedAt: Date
    /// How the run was dispatched.
    public var mode: HopeMode
    /// The trace this run followed, when it was a follower or was guided by one.
    public var followedRunID: String?
    /// The module (NAME@VERSION) this trace was compiled into, once crystallized.
    public var crystallizedInto: String?
    /// Why the trace is demoted (a run that replayed it was judged bad), or nil when it is not:
    /// a demoted trace is neither followed nor run as a module, only shown as guidance.
    public var demotedBecause: String?
    /// What the run's success rested on, checked again by a replay; nil for a trace recorded
    /// before post-conditions were kept, or of a run that did not succeed.
    public var postConditions: PostConditions?

    public init(runID: String, task: String, signature: String, model: String, toolSequence: [String], stepCount: Int,
                toolCalls: Int, failedSteps: Int, promptTokens: Int, completionTokens: Int, toolSeconds: Double,
                wallSeconds: Double, status: RunStatus, outcome: RunOutcome?, outcomeSource: OutcomeSource?, createdAt: Date, recordedAt: Date,
                mode: HopeMode = .learner, followedRunID: String? = nil, crystallizedInto: String? = nil, demotedBecause: String? = nil,
                postConditions: PostConditions? = nil) {
        self.runID = runID
        self.task = task
        self.signature = signature
        self.model = model
        self.toolSequence = toolSequence
        self.stepCount = stepCount
        self.toolCalls = toolCalls
        self.failedSteps = failedSteps
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.toolSeconds = toolSeconds
        self.wallSeconds = wallSeconds
        self.status = status
        self.outcome = outcome
        self.outcomeSource = outcomeSource
        self.createdAt = createdAt
        self.recordedAt = recordedAt
        self.mode = mode
        self.followedRunID = followedRunID
        self.crystallizedInto = crystallizedInto
        self.demotedBecause = demotedBecause
        self.postConditions = postConditions
    }
}

/// How a task shape has fared: HOPE's candidate selection reads usage and success from here.
public struct TraceUsage: Sendable, Codable, Hashable {
    public var signature: String
    /// Recorded traces with this signature.
    public var runs: Int
    /// Of those, runs whose status is "completed".
    public var completed: Int
    /// Runs judged "success" / "failure" (by the model, feedback or a check).
    public var successes: Int
    public var failures: Int
    public var averageTokens: Double
    public var averageWallSeconds: Double

    public init(signature: String, runs: Int, completed: Int, successes: Int, failures: Int, averageTokens: Double, averageWallSeconds: Double) {
        self.signature = signature
        self.runs = runs
        self.completed = completed
        self.successes = successes
        self.failures = failures
        self.averageTokens = averageTokens
        self.averageWallSeconds = averageWallSeconds
    }

    /// Successes over all runs (0 when there are none); runs without a verdict count against.
    public var successRate: Double { runs == 0 ? 0 : Double(successes) / Double(runs) }
}

/// A trace taken out of replay because a run that replayed it was judged bad (`nexus feedback RUN
/// bad`), with what became of its module; lifted after repeated good outcomes.
public struct TraceDemotion: Sendable, Codable, Hashable {
    public var id: Int64
    /// The trace demoted.
    public var runID: String
    /// The run judged bad.
    public var judgedRunID: String
    public var reason: String
    /// The module (NAME@VERSION) the trace had been compiled into, if any.
    public var module: String?
    /// What was done to the module, in words ("rolled back to ...", or why not).
    public var moduleAction: String
    public var demotedAt: Date
    public var liftedAt: Date?
    public var liftReason: String?

    public init(id: Int64, runID: String, judgedRunID: String, reason: String, module: String?, moduleAction: String,
                demotedAt: Date, liftedAt: Date? = nil, liftReason: String? = nil) {
        self.id = id
        self.runID = runID
        self.judgedRunID = judgedRunID
        self.reason = reason
        self.module = module
        self.moduleAction = moduleAction
        self.demotedAt = demotedAt
        self.liftedAt = liftedAt
        self.liftReason = liftReason
    }
}
