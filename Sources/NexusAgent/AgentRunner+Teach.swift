public import Foundation
public import NexusCore
public import NexusStore
import NexusTools

/// What a person does in `nexus teach`: call a tool, or give the final answer.
public enum TeachingInput: Sendable {
    case call(tool: String, arguments: JSONValue)
    case answer(String)
}

extension AgentRunner {
    /// Records a trace taught by a person: each call runs under `policy` like a model's would,
    /// and the answer ends the run as a success judged by its teacher (mode "taught"). The trace
    /// is then followed and crystallized like any other. Inputs that end without an answer
    /// leave the run cancelled, never proven.
    public func teach(task: String, workspace: URL, policy: CapabilityPolicy,
                      inputs: AsyncStream<TeachingInput>) -> AsyncThrowingStream<AgentEvent, any Error> {
        stream { emit in
            let trimmed = task.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else {
                throw NexusError(.invalidArgument, "the task is empty; say what is being taught")
            }
            var state = RunState(messages: [.system(SystemPrompt.base), .user(trimmed)])
            var record = RunRecord(task: trimmed, model: "teacher", workspace: workspace.path, policy: try JSONValue(encoding: policy),
                                   state: try JSONValue(encoding: state), mode: HopeMode.taught, confidence: 1,
                                   dispatchReason: "taught by a person with `nexus teach`")
            try RunStore(database: database).create(record)
            emit(.started(runID: record.id, task: trimmed, resumed: false))
            var context = ToolContext(workspace: workspace, policy: policy, runID: record.id, resources: RunResources())
            // The policy's roots are opened now, before any tool runs: nothing the run does later moves them.
            WorkspacePath.pinRoots(of: context)
            let started = ContinuousClock.now
            for await input in inputs {
                switch input {
                case .call(let tool, let arguments):
                    _ = try await performTurn(tool, arguments, idPrefix: "teach", record: &record, state: &state, context: &context, emit: emit)
                case .answer(let text):
                    state.elapsedSeconds = (ContinuousClock.now - started).inSeconds
                    try finish(&record, state: &state, answer: text, source: .teacher, emit: emit)
                    return
                }
            }
            state.elapsedSeconds = (ContinuousClock.now - started).inSeconds
            try finish(&record, state: state, end: .cancelled, emit: emit)
        }
    }
}
