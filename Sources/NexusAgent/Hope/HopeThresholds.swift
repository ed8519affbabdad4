public import NexusStore

/// When the dispatcher trusts a match.
public struct HopeThresholds: Sendable, Hashable {
    /// Confidence at or above which a proven trace is replayed without the model.
    public var follower: Double
    /// Confidence at or above which a similar trace is shown to the model as guidance.
    public var mixed: Double
    /// A crystallized module whose runs succeed less often than this (after 3 runs) is passed over.
    public var moduleSuccess: Double
    /// Off: every run is a LEARNER run (a baseline, or when traces must not be reused).
    public var enabled: Bool

    public init(follower: Double = 0.92, mixed: Double = 0.75, moduleSuccess: Double = 0.8, enabled: Bool = true) {
        self.follower = follower
        self.mixed = mixed
        self.moduleSuccess = moduleSuccess
        self.enabled = enabled
    }
}

/// The dispatcher's choice for one task, with what it is based on.
public struct Dispatch: Sendable {
    public var mode: HopeMode
    /// How closely the task matches `trace`, in [0, 1].
    public var confidence: Double
    /// The trace followed, compiled, or shown as guidance.
    public var trace: Trace?
    /// What a follower replays.
    public var program: TraceProgram?
    /// The module (NAME@VERSION) a crystallized run calls.
    public var module: String?
    public var parameters: [TaskParameter]
    /// Why, in words (`nexus runs show` prints it).
    public var reason: String
    /// What a replay must keep to (a follower, a module) and what a guided run must not reuse
    /// (MIXED): the binding of this task to the trace's.
    var check: ReplayCheck?

    static func learner(_ parameters: [TaskParameter], confidence: Double = 0, reason: String) -> Dispatch {
        Dispatch(mode: .learner, confidence: confidence, trace: nil, program: nil, module: nil, parameters: parameters, reason: reason, check: nil)
    }
}
