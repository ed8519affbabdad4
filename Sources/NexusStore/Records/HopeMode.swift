/// How a task is carried out (HOPE, cheapest first): by a module compiled from a proven trace,
/// by replaying a proven trace, by the model guided by a similar trace, or by the model alone.
/// `taught` runs were recorded by a person (`nexus teach`). Stored in `RunRecord.mode` by its
/// raw value.
public enum HopeMode: String, Sendable, Hashable, Codable, CaseIterable {
    case crystallized, follower, mixed, learner, taught
}
