public import Foundation
public import NexusCore

/// One run of the agent loop and its durable state: everything needed to show it, and to resume
/// it after a crash.
public struct RunRecord: Sendable, Codable, Hashable {
    public var id: String
    /// The task as the user gave it.
    public var task: String
    public var model: String
    /// The folder the run's tools work in.
    public var workspace: String
    public var status: RunStatus
    /// The capability policy the run works under.
    public var policy: JSONValue
    /// The loop's own state (messages, step count, budgets, ...), opaque to the store.
    public var state: JSONValue
    /// The final answer, once there is one.
    public var answer: String?
    /// How the run's result was judged, once it was.
    public var outcome: RunOutcome?
    /// Who judged the outcome.
    public var outcomeSource: OutcomeSource?
    public var createdAt: Date
    public var updatedAt: Date
    public var promptTokens: Int
    public var completionTokens: Int
    /// How HOPE dispatched the run.
    public var mode: HopeMode
    /// The match confidence that chose the mode, in [0, 1].
    public var confidence: Double
    /// The trace (its run's id) the run followed or was guided by.
    public var followedRunID: String?
    /// The module (NAME@VERSION) a crystallized run called.
    public var module: String?
    /// Why the dispatcher chose the mode, in words.
    public var dispatchReason: String
    /// The id of the API key that started the run through the server; nil for runs started
    /// outside it (`nexus run`). Set once; the store never changes it afterwards.
    public var ownerKeyID: String?
    /// Why the run failed, when it did (the error that ended it), for the client to read.
    public var failure: String?
    /// The org the run belongs to (set by the store that saves it; its database handle's org).
    public var org: OrgName

    /// A record; `id` defaults to a fresh `RunRecord.newID()`, `updatedAt` to `createdAt`.
    public init(id: String = RunRecord.newID(), task: String, model: String, workspace: String, status: RunStatus = .running,
                policy: JSONValue = .null, state: JSONValue = .null, answer: String? = nil, outcome: RunOutcome? = nil,
                outcomeSource: OutcomeSource? = nil, createdAt: Date = Date(), updatedAt: Date? = nil,
                promptTokens: Int = 0, completionTokens: Int = 0, mode: HopeMode = .learner, confidence: Double = 0,
                followedRunID: String? = nil, module: String? = nil, dispatchReason: String = "",
                ownerKeyID: String? = nil, failure: String? = nil, org: OrgName = .default) {
        self.id = id
        self.task = task
        self.model = model
        self.workspace = workspace
        self.status = status
        self.policy = policy
        self.state = state
        self.answer = answer
        self.outcome = outcome
        self.outcomeSource = outcomeSource
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.mode = mode
        self.confidence = confidence
        self.followedRunID = followedRunID
        self.module = module
        self.dispatchReason = dispatchReason
        self.ownerKeyID = ownerKeyID
        self.failure = failure
        self.org = org
    }

    /// A new run id: "run_" and 12 random lowercase base32 characters (60 bits).
    public static func newID() -> String {
        ShortID.make(prefix: "run_")
    }
}

/// How a run stands; stored in `RunRecord.status` by its raw value.
public enum RunStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// Going, or stopped by a crash before it ended (then it can be resumed).
    case running
    /// The model gave its final answer.
    case completed
    /// An error ended it (the backend failed, a store write failed); `RunRecord.failure` says which.
    case failed
    /// Cancelled by its owner or an admin, or interrupted; it can be resumed.
    case cancelled
    /// A step, token or time budget ran out before an answer.
    case budgetExhausted = "budget_exhausted"

    /// Runs that stopped before they finished (cancelled, or left running by a crash) and can be resumed.
    public static let resumable: Set<RunStatus> = [.running, .cancelled]
}
