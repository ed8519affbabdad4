import Foundation
import NexusCore
import NexusStore
import NexusTools

extension AgentRunner {
    /// The reply of a program turn to act on: `first`, or, when the run draws several programs
    /// (`AgentConfiguration.programCandidates`), the one `ProgramVote` picks after each ran in a
    /// scratch copy of the workspace. The draws after the first are sampled (at the redraw
    /// temperature, each with its own seed), so they differ where the model is unsure. The
    /// trials are one step of the run, with their tokens; the chosen program then runs in the
    /// workspace as the turn's call, as a single program does.
    func chosenProgram(_ first: GenerationResult, request: GenerationRequest, _ session: inout LoopSession) async throws -> GenerationResult {
        let since = ContinuousClock.now
        guard configuration.programCandidates > 1, ProgramTurn.program(in: first.text) != nil,
              ScratchWorkspace.canCopy(session.context.workspace) else { return first }
        var replies = [first]
        var usage = GenerationUsage()
        for draw in 1..<configuration.programCandidates {
            var again = request
            again.sampling.temperature = max(request.sampling.temperature, Self.redrawTemperature)
            again.sampling.seed = (request.sampling.seed ?? 0) &+ UInt32(truncatingIfNeeded: 7919 * draw + session.state.step)
            // A draw that fails (a quota, a cancelled run) ends the drawing: the draws so far
            // are compared, and the loop's next turn sees a cancellation for itself.
            guard !Task.isCancelled, let reply = try? await admittedCompletion(again) else { break }
            usage.promptTokens += reply.usage.promptTokens
            usage.completionTokens += reply.usage.completionTokens
            replies.append(reply)
        }
        session.record.promptTokens += usage.promptTokens
        session.record.completionTokens += usage.completionTokens
        session.state.completionTokens += usage.completionTokens

        var trials: [ProgramTrial] = []
        for (draw, reply) in replies.enumerated() where !Task.isCancelled {
            guard let code = ProgramTurn.program(in: reply.text), let trial = await trial(code, draw: draw, session) else { continue }
            trials.append(trial)
        }
        let chosen = ProgramVote.chosen(trials)
        try persist(&session.record, state: session.state, steps: [
            RunStep(runID: session.record.id, index: session.state.step, status: "candidates",
                    resultExcerpt: Self.trialSummary(trials, drawn: replies.count, chosen: chosen),
                    durationSeconds: (ContinuousClock.now - since).inSeconds,
                    promptTokens: usage.promptTokens, completionTokens: usage.completionTokens)])
        return replies[chosen ?? 0]
    }

    /// Runs one candidate in a fresh scratch copy, under the run's policy with only the copy's
    /// part of it writable: a trial can read what the run may read and change nothing real.
    private func trial(_ code: String, draw: Int, _ session: LoopSession) async -> ProgramTrial? {
        guard let scratch = ScratchWorkspace(copying: session.context.workspace) else { return nil }
        defer { scratch.remove() }
        var policy = session.policy
        // Writable paths inside the workspace now name the copy's; any outside it are dropped.
        policy.writablePaths = policy.writablePaths.filter { !$0.hasPrefix("/") && !$0.hasPrefix("~") && !$0.split(separator: "/").contains("..") }
        var context = ToolContext(workspace: scratch.url, policy: policy, runID: session.record.id, resources: session.context.resources)
        context.earlierCode = session.state.codeCells
        let call = ToolCall(id: "trial_\(session.state.step)_\(draw)", name: ProgramTurn.tool, arguments: ["code": .string(code)])
        let outcome = await tools.call(call, context: context)
        // What it printed ("exit code 0" and "(no output)" are the tool's words, not the program's).
        let content = outcome.result.content
        let output = (content.hasPrefix("exit code 0\nstdout:\n") ? Derivation.programOutput(of: content) : "")
            .replacingOccurrences(of: scratch.url.path, with: session.context.workspace.path)
        let changes = scratch.changes()
        let task = session.record.task
        let found = ProgramVote.found(output: output, code: code, task: task)
        let intent = TaskIntent(task)
        // A path the task asks to create that the trial left missing: looked up in the copy,
        // through a context of its own (the run's pins its roots to the real workspace).
        let missing = intent.missingPaths(of: task, context: ToolContext(workspace: scratch.url, policy: policy))
        // A task the intent reads as neither a question nor a change ("Combine a.txt and b.txt
        // into c.txt") is done by a change or by a value found.
        let didItsKind = intent.asksChange ? !changes.isEmpty
            : intent.asksQuestion ? changes.isEmpty && !found.isEmpty : !changes.isEmpty || !found.isEmpty
        let worked = outcome.result.status == .ok && missing.isEmpty && didItsKind && !ProgramVote.reportsFailure(output: output, task: task)
        return ProgramTrial(draw: draw, worked: worked, behavior: ProgramVote.behavior(changes: changes, found: found))
    }

    /// The trials step's text: how many programs were drawn, which worked, which agreed, which runs.
    static func trialSummary(_ trials: [ProgramTrial], drawn: Int, chosen: Int?) -> String {
        let working = trials.filter(\.worked)
        guard let chosen, let behavior = working.first(where: { $0.draw == chosen })?.behavior else {
            return working.isEmpty ? "\(drawn) programs drawn, none worked in a scratch copy; the first runs"
                : "\(drawn) programs drawn, \(working.count) worked in a scratch copy, the first not, and no two did the same; the first runs"
        }
        let agreeing = working.filter { $0.behavior == behavior }.map { "#\($0.draw + 1)" }
        return "\(drawn) programs drawn, \(working.count) worked in a scratch copy; \(agreeing.joined(separator: ", ")) did the same; #\(chosen + 1) runs"
    }
}
