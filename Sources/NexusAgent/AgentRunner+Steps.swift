import Foundation
import NexusCore
import NexusStore
import NexusTools

extension AgentRunner {
    /// Carries out one tool call of a run, whoever asked for it (the model, a follower, a
    /// crystallized module): refuses an exact repeat, runs the tool under the run's policy,
    /// updates the state the loop reads, and shows the result to the model as an observation.
    /// - Parameter offered: The tools the model was offered on this turn; a call to any other is
    ///   refused and recorded, not run. Nil for calls made without the model (a replay, a teacher).
    /// - Parameter usage: What the model turn that asked for the call took (on the turn's first
    ///   call), reported with the call and kept on its step; nil for a call made without the model.
    /// - Returns: The step to save and the tool's result.
    func perform(_ call: ToolCall, turn: Int, task: String, state: inout RunState, context: inout ToolContext,
                 offered: Set<String>? = nil, usage: GenerationUsage? = nil,
                 emit: @Sendable (AgentEvent) -> Void) async -> (step: RunStep, result: ToolResult) {
        emit(.toolCall(step: turn, call: call, usage: usage))
        let signature = call.signature
        let outcome: ToolCallOutcome
        var cpuSeconds = 0.0
        if let offered, !offered.contains(call.name) {
            outcome = ToolCallOutcome(result: Self.notOffered(call.name, offered: offered), duration: 0)
            state.failedCalls += [signature]
        } else if state.calls.contains(signature) {
            outcome = ToolCallOutcome(result: .error(
                "You already called \(call.name) with exactly these arguments and saw the result. Do not repeat it: use that result, try something different, or give the final answer."),
                duration: 0)
        } else if let stale = staleCall(call, state: state) {
            // A guided call that reuses the old task's value is sent back before it runs.
            outcome = ToolCallOutcome(result: .error(stale), duration: 0)
            state.calls.append(signature)
            state.failedCalls += [signature]
        } else {
            context.observedPaths = state.observedPaths
            let cpuBefore = context.resources?.sandboxCPU.seconds ?? 0
            // Code may change anything or nothing: what it did is looked at, not assumed.
            let runsCode = Self.codeTools.contains(call.name)
            let before = runsCode ? WorkspaceFingerprint(of: context.workspace) : nil
            let code = call.name == TaskIntent.codeTool ? call.arguments["code"]?.stringValue : nil
            context.earlierCode = code == nil ? nil : state.codeCells
            outcome = await tools.call(call, context: context)
            if let code { state.codeCells.append(code) }
            // Calls run one at a time, so what the meter gained is this call's.
            cpuSeconds = (context.resources?.sandboxCPU.seconds ?? 0) - cpuBefore
            // How the tool fared, for ToolSelection to weigh in later runs. Only calls that reached
            // the tool count: a refusal above (not offered, a repeat, a stale value) says nothing
            // about it. Statistics advise; failing to save one never fails the run.
            try? await ToolStatsStore(database: database).record(tool: call.name, status: outcome.result.status,
                                                                 durationSeconds: outcome.duration)
            state.calls.append(signature)
            if outcome.result.status != .ok {
                state.failedCalls += [signature]
            } else if !tools.onlyObserves(call.name) {
                if !runsCode || WorkspaceFingerprint.changed(before, WorkspaceFingerprint(of: context.workspace)) {
                    state.changedSomething = true
                }
                if call.name == TaskIntent.codeTool { state.ranCode = true }
            }
            if outcome.result.status == .ok, tools.onlyObserves(call.name), let path = call.arguments["path"]?.stringValue {
                state.observedPaths = state.observedPaths.union([path])
            }
        }
        state.hasObserved = true
        emit(.toolResult(step: turn, call: call, result: outcome.result, seconds: outcome.duration))
        state.messages.append(.tool(Observation.text(of: outcome.result, task: task), callID: call.id, name: call.name))
        var step = RunStep(runID: context.runID ?? "", index: turn, call: call.name, arguments: call.arguments, result: outcome.result,
                           durationSeconds: outcome.duration, sandboxCPUSeconds: cpuSeconds)
        step.promptTokens = usage?.promptTokens ?? 0
        step.completionTokens = usage?.completionTokens ?? 0
        return (step, outcome.result)
    }

    /// Tools that run code, whose effect on the workspace is seen by comparing it before and after.
    static let codeTools: Set<String> = [TaskIntent.codeTool, "execute_command"]

    /// The refusal of a call to a tool this turn did not offer (unknown, outside the policy, or
    /// not chosen for the task).
    static func notOffered(_ name: String, offered: Set<String>) -> ToolResult {
        let list = offered.isEmpty ? "none" : offered.sorted().joined(separator: ", ")
        return .refused("the tool '\(name)' was not offered for this task, so it is not run; call one of the offered tools (\(list)) or give the final answer")
    }

    /// A turn of one call made without the model (a replayed step, a module, a teacher's call).
    func performTurn(_ tool: String, _ arguments: JSONValue, idPrefix: String, record: inout RunRecord, state: inout RunState,
                     context: inout ToolContext, emit: @Sendable (AgentEvent) -> Void) async throws -> ToolResult {
        state.step += 1
        let call = ToolCall(id: "\(idPrefix)_\(state.step)", name: tool, arguments: arguments)
        state.messages.append(.assistant("", toolCalls: [call]))
        let (step, result) = await perform(call, turn: state.step, task: record.task, state: &state, context: &context, emit: emit)
        try persist(&record, state: state, steps: [step])
        return result
    }

    /// Ends a run with an answer given without the model, judged a success by `source`.
    func finish(_ record: inout RunRecord, state: inout RunState, answer text: String, source: OutcomeSource,
                emit: @Sendable (AgentEvent) -> Void) throws {
        state.messages.append(.assistant(text))
        try persist(&record, state: state, steps: [RunStep(runID: record.id, index: state.step, status: "answer", resultExcerpt: String(text.prefix(500)))])
        try finish(&record, state: state, end: .answered(text, by: source), emit: emit)
    }

    /// Ends a run: saves its record, records its trace (what HOPE learns from), reports the summary.
    /// `context`, the loop's own, lets the verdict look at the workspace the model worked in.
    func finish(_ record: inout RunRecord, state: RunState, end: RunEnd, context: ToolContext? = nil,
                emit: @Sendable (AgentEvent) -> Void) throws {
        record.status = end.status
        record.answer = end.answer
        record.outcome = end.outcome
        record.outcomeSource = end.source
        // Only a completed run is judged and may keep post-conditions: others need not read their steps.
        let steps = end.status == .completed ? try RunStore(database: database).steps(runID: record.id) : []
        // A run that ends on an error is never a success, whoever judged it (HOPE must not learn from it).
        if end.status == .completed, end.outcome == .success,
           let overruled = RunVerdict.overruling(task: record.task, answer: end.answer, source: end.source, steps: steps, state: state, context: context) {
            record.outcome = overruled.outcome
            record.outcomeSource = OutcomeSource.check
            record.dispatchReason += (record.dispatchReason.isEmpty ? "" : "; ") + "not judged a success: \(overruled.reason)"
        }
        record.state = try JSONValue(encoding: state)
        record.updatedAt = Date()
        try RunStore(database: database).save(run: record, appending: [])
        try TraceStore(database: database).record(runID: record.id)
        if record.outcome == RunOutcome.success { try keepPostConditions(of: record, steps: steps) }
        emit(.finished(try summary(of: record, seconds: state.elapsedSeconds)))
    }
}
