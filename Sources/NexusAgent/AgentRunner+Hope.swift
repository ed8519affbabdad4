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
        state.observedPaths = state.observedPaths.union(dispatch.parameters.filter { $0.kind == .path || $0.kind == .name }.map(\.value))

        func call(_ tool: String, _ arguments: JSONValue) async throws -> ToolResult {
            try await performTurn(tool, arguments, idPrefix: "hope", record: &record, state: &state, context: &context, emit: emit)
        }

        func answer(_ text: String, source: OutcomeSource) throws {
            state.elapsedSeconds += (ContinuousClock.now - started).inSeconds
            try finish(&record, state: &state, answer: text, source: source, emit: emit)
        }

        var failure: String
        if dispatch.mode == .crystallized, let module = dispatch.module {
            let names = TraceProgram.parameterNames(for: dispatch.parameters.map(\.kind))
            let input = JSONValue.object(JSONObject(zip(names, parameters.map { JSONValue.string($0) })))
            let result = try await call(String(module.prefix { $0 != "@" }), input)
            if result.status == .ok, let text = (try? JSONValue.parse(result.content))?["answer"]?.stringValue {
                // The module's own calls are not seen here: its end state is checked against the
                // post-conditions of the trace it was compiled from.
                if let broken = replayFailure(dispatch, task: record.task, calls: [], results: [result.content], answer: text, files: WorkspacePath(context)) {
                    failure = "the module \(module) ran, but \(broken)"
                } else {
                    try answer(text, source: .module)
                    return true
                }
            } else {
                failure = "the module \(module) failed: \(result.content.prefix(300))"
            }
        } else if let program = dispatch.program {
            failure = ""
            var results: [String] = []
            var calls: [(tool: String, arguments: JSONValue)] = []
            for (index, step) in program.steps.enumerated() {
                let arguments: JSONValue
                do {
                    arguments = try step.arguments.bind(parameters: parameters, results: results)
                } catch {
                    failure = "step \(index + 1) of the followed trace does not apply: \(error)"
                    break
                }
                if let check = dispatch.check, let word = check.unbacked(NamesInUse.withoutComments(step.arguments.literalText, tool: step.tool), results: results,
                                                                           step: index, of: program.steps.count) {
                    failure = "step \(index + 1) of the followed trace (\(step.tool)) would pass '\(word)', which the followed run saw in its results and this run's results do not show"
                    break
                }
                let result = try await call(step.tool, arguments)
                guard result.status == .ok else {
                    failure = "step \(index + 1) of the followed trace (\(step.tool)) failed: \(result.content.prefix(300))"
                    break
                }
                results.append(result.content)
                calls.append((step.tool, arguments))
            }
            if failure.isEmpty {
                do {
                    let text = try program.answer.render(parameters: parameters, results: results)
                    // The answer states what this run observed, never what the followed run did.
                    if let check = dispatch.check, let word = check.unbacked(program.answer.literalText, results: results) {
                        failure = "the followed trace's answer states '\(word)', which the followed run saw in its results and this run's results do not show"
                    } else if let broken = replayFailure(dispatch, task: record.task, calls: calls, results: results, answer: text,
                                                         files: WorkspacePath(context)) {
                        failure = broken
                    } else {
                        try answer(text, source: .replay)
                        return true
                    }
                } catch let error as ProgramBindingError {
                    failure = "the followed trace's answer does not apply: \(error)"
                }
            }
        } else {
            failure = "there was nothing to replay"
        }
        // The model takes over from what was done; the run counts as a failed use of the trace or module.
        state.oldTaskValues = dispatch.oldTaskValues
        record.mode = HopeMode.learner
        record.dispatchReason += "; then \(failure), so the model took over"
        state.elapsedSeconds += (ContinuousClock.now - started).inSeconds
        try persist(&record, state: state, steps: [])
        emit(.dispatched(mode: .learner, confidence: record.confidence, reason: failure + "; the model takes over"))
        return false
    }
}

extension Dispatch {
    /// What a run shown this dispatch's trace must not reuse.
    var oldTaskValues: OldTaskValues? {
        guard let check, let trace else { return nil }
        return OldTaskValues(task: trace.task, guarded: check.guarded, observed: check.statedWords.sorted())
    }
}

extension AgentRunner {
    /// Why a call of a guided run must not run: it passes a value of the trace's task that this
    /// task lacks (the file of the earlier task, its word). Nil when it may run.
    func staleCall(_ call: ToolCall, state: RunState) -> String? {
        guard let values = state.oldTaskValues,
              let stale = LiteralScan(call.arguments.leafTexts.joined(separator: "\u{0}")).firstOf(values.guarded) else { return nil }
        return "Not run: '\(stale)' belongs to the earlier task shown as an example (\"\(values.task)\"), and this task does not mention it. "
            + "Call the tool again with this task's own names and values."
    }

    /// An answer of a guided run sent back once: it states a value of the trace's task that this
    /// task lacks, or a value the trace's run saw and stated that this run's results do not show.
    func staleAnswer(_ text: String, state: RunState) -> TaskIntent.Unfinished? {
        guard let values = state.oldTaskValues, !state.sentBack.contains("stale") else { return nil }
        let seen = Set(state.messages.filter { $0.role == .tool }.flatMap { LiteralScan.tokens(of: $0.content) })
        let observed = Set(values.observed)
        let unseen = LiteralScan.tokens(of: text).first { ($0.count > 1 || $0.allSatisfy(\.isNumber)) && observed.contains($0) && !seen.contains($0) }
        guard let word = LiteralScan(text).firstOf(values.guarded) ?? unseen else { return nil }
        return TaskIntent.Unfinished(
            check: "stale",
            message: "Not done yet: your answer states '\(word)', which comes from the earlier task shown as an example (\"\(values.task)\"), not from this run's tool results. "
                + "Look at this task's own files with a tool and answer from what it returns.")
    }
}
