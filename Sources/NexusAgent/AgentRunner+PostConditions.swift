import Foundation
import NexusCore
import NexusStore
import NexusTools

extension AgentRunner {
    /// Keeps with a successful run's trace what its success rested on: the file conditions its
    /// calls left that hold now, and where its answer's values came from.
    func keepPostConditions(of record: RunRecord, steps: [RunStep]) throws {
        let calls = steps.filter(\.isSuccessfulCall)
        var conditions = ReplayPostConditions.derive(
            task: record.task, calls: calls.map { ($0.tool ?? "", $0.arguments ?? .null) },
            results: calls.map { $0.result ?? $0.resultExcerpt ?? "" }, answer: record.answer ?? "")
        let files = try WorkspacePath(ToolContext(workspace: URL(fileURLWithPath: record.workspace),
                                                  policy: record.policy.decoded(as: CapabilityPolicy.self), runID: record.id))
        conditions.files = conditions.files.filter { ReplayPostConditions.firstFailure(of: [$0], in: files) == nil }
        try TraceStore(database: database).setPostConditions(runID: record.id, conditions)
    }

    /// Why a replay (of a trace or a module) must not end as it would: its own calls' effects do
    /// not hold, the followed run's post-conditions (mapped to this task) do not hold here, or its
    /// answer states a value none of this run's results shows. Nil when the replay may answer.
    func replayFailure(_ dispatch: Dispatch, task: String, calls: [(tool: String, arguments: JSONValue)], results: [String], answer: String,
                       files: WorkspacePath) -> String? {
        if let broken = ReplayPostConditions.firstFailure(of: ReplayPostConditions.files(of: calls, task: task), in: files) {
            return "the replay's own effects do not hold: \(broken)"
        }
        if let recorded = dispatch.trace?.postConditions?.files, let binding = dispatch.check?.binding,
           let broken = ReplayPostConditions.firstFailure(of: ReplayPostConditions.mapped(recorded, binding: binding), in: files) {
            return "a post-condition of the followed run does not hold for this task: \(broken)"
        }
        if let unseen = AnswerGrounding(task: task, results: results).ungrounded(answer).first {
            return "the replayed answer states '\(unseen)', which none of this run's results shows"
        }
        return nil
    }
}
