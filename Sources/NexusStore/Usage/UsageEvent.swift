public import Foundation

/// What one request or one agent run used, as metered. Stored once per idempotency key: the same
/// event recorded twice (a retried write, a run settled again after a restart) counts once.
public struct UsageEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// A generation or embedding request to the Ollama or OpenAI API.
        case request
        /// An agent run, settled when it ends.
        case run
    }

    /// `req:REQUEST_ID` for a request, `run:RUN_ID` for a run.
    public var idempotencyKey: String
    public var time: Date
    public var org: String
    /// The key that asked; "" for a request without a key (allowed on a loopback server).
    public var keyID: String
    public var model: String
    public var kind: Kind
    public var promptTokens: Int
    public var completionTokens: Int
    /// Tools the run called (modules included), and modules alone.
    public var toolCalls: Int
    public var moduleCalls: Int
    /// The billable unit: see ``RunUnits``.
    public var runUnits: Int
    /// CPU time of the run's sandboxed commands, in milliseconds.
    public var sandboxCPUMillis: Int

    public init(idempotencyKey: String, time: Date = Date(), org: String = "default", keyID: String, model: String, kind: Kind,
                promptTokens: Int = 0, completionTokens: Int = 0, toolCalls: Int = 0, moduleCalls: Int = 0, runUnits: Int,
                sandboxCPUMillis: Int = 0) {
        self.idempotencyKey = idempotencyKey
        self.time = time
        self.org = org
        self.keyID = keyID
        self.model = model
        self.kind = kind
        self.promptTokens = max(0, promptTokens)
        self.completionTokens = max(0, completionTokens)
        self.toolCalls = max(0, toolCalls)
        self.moduleCalls = max(0, moduleCalls)
        self.runUnits = max(0, runUnits)
        self.sandboxCPUMillis = max(0, sandboxCPUMillis)
    }

    public var totalTokens: Int { promptTokens + completionTokens }
}

/// Run units, the one number quotas and bills count besides tokens: a request to the model API is
/// one unit; an agent run is one unit, plus one for each of its steps that acted (called tools),
/// so that a run that works for twelve steps weighs twelve times a one-shot answer. A run can take
/// no more steps than its budget, which is what it reserves.
public enum RunUnits {
    public static let perRequest = 1

    public static func run(actingSteps: Int) -> Int {
        1 + max(0, actingSteps)
    }
}
