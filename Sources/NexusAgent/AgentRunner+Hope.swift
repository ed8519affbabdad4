import Foundation
import NexusCore
import NexusStore
import NexusTools

extension AgentRunner {
    /// A CRYSTALLIZED or FOLLOWER run: the task is done by a module or by replaying a proven
    /// trace, and the model is not called.
    /// - Returns: true when the run finished; false when a step failed: the state then holds what
    ///   was done (the model sees it), the record says why, and the loop takes over as LEARNER.
    func runWithoutModel(_ dispatch: Dispatch, record: inout RunRecord, state: inout RunState, policy: CapabilityPolicy, resources: RunResources,
                         emit: @escaping @Sendable (AgentEvent) -> Void) async throws -> Bool {
        var context = ToolContext(workspace: URL(fileURLWithPath: record.workspace), policy: policy, runID: record.id, resources: resources)
        // The policy's roots are opened now, before any tool runs: nothing the run does later moves them.
        WorkspacePath.pinRoots(of: context)
        let started = ContinuousClock.now
        let parameters = dispatch.parameters.map(\.value)
        // The task names these paths, so replacing them is what was asked: the guard against
        // a model blindly overwriting a file it never read does not apply to a proven replay.
        state.observedPaths = (state.observedPaths ?? []).union(dispatch.parameters.filter { $0.kind == .path }.map(\.value))

        func call(_ tool: String, _ arguments: JSONValue) async throws -> ToolResult {
            try await performTurn(tool, arguments, idPrefix: "hope", record: &record, state: &state, context: &context, emit: emit)
        }

        func answer(_ text: String, source: String) throws {
            state.elapsedSeconds += (ContinuousClock.now - started).inSeconds
            try finish(&record, state: &state, answer: text, source: source, emit: emit)
        }

        var failure: String
        if dispatch.mode == .crystallized, let module = dispatch.module {
            let names = TraceProgram.parameterNames(for: dispatch.parameters.map(\.kind))
            let input = JSONValue.object(JSONObject(zip(names, parameters.map { JSONValue.string($0) })))
            let result = try await call(String(module.prefix { $0 != "@" }), input)
            if result.status == .ok, let text = (try? JSONValue.parse(result.content))?["answer"]?.stringValue {
                try answer(text, source: "module")
                return true
            }
            failure = "the module \(module) failed: \(result.content.prefix(300))"
        } else if let program = dispatch.program {
            failure = ""
            var results: [String] = []
            for (index, step) in program.steps.enumerated() {
                let arguments: JSONValue
                do {
                    arguments = try step.arguments.bind(parameters: parameters, results: results)
                } catch {
                    failure = "step \(index + 1) of the followed trace does not apply: \(error)"
                    break
                }
                let result = try await call(step.tool, arguments)
                guard result.status == .ok else {
                    failure = "step \(index + 1) of the followed trace (\(step.tool)) failed: \(result.content.prefix(300))"
                    break
                }
                results.append(result.content)
            }
            if failure.isEmpty {
                do {
                    try answer(try program.answer.render(parameters: parameters, results: results), source: "replay")
                    return true
                } catch let error as ProgramBindingError {
                    failure = "the followed trace's answer does not apply: \(error)"
                }
            }
        } else {
            failure = "there was nothing to replay"
        }
        // The model takes over from what was done; the run counts as a failed use of the trace or module.
        record.mode = HopeMode.learner.rawValue
        record.dispatchReason += "; then \(failure), so the model took over"
        state.elapsedSeconds += (ContinuousClock.now - started).inSeconds
        try persist(&record, state: state, steps: [])
        emit(.dispatched(mode: .learner, confidence: record.confidence, reason: failure + "; the model takes over"))
        return false
    }
}
