/// How a run's result was judged; stored in `RunRecord.outcome` by its raw value.
public enum RunOutcome: String, Sendable, Hashable, CaseIterable, Codable {
    case success
    case failure
    /// Not judged, or judged neither: a run HOPE does not learn from.
    case unknown
}

/// Who judged a run's outcome; stored in `RunRecord.outcomeSource` by its raw value.
public enum OutcomeSource: String, Sendable, Hashable, CaseIterable, Codable {
    /// The model's final answer passed the loop's checks.
    case model
    /// A person, with `nexus feedback` or the API.
    case feedback
    /// A check of the run overruled the model (an error answer, a made-up value).
    case check
    /// A followed trace's replay, or a crystallized module's call.
    case replay
    case module
    /// A person teaching the run with `nexus teach`.
    case teacher
    /// A budget ended the run.
    case budget
    /// An error ended the run (the backend failed, a store write failed).
    case error
    /// Nobody: the run was cancelled.
    case none
}
