import Foundation
import NexusCore
import NexusStore
import NexusTools

extension AgentRunner {
    /// Runs the loop's state machine (`LoopPhase`) from `prepare` until a phase ends the run.
    func loop(record: RunRecord, state: RunState, policy: CapabilityPolicy, resources: RunResources = RunResources(),
              emit: @escaping @Sendable (AgentEvent) -> Void) async throws {
        let context = ToolContext(workspace: URL(fileURLWithPath: record.workspace), policy: policy, runID: record.id, resources: resources)
        // The policy's roots are opened now, before any tool runs: nothing the run does later moves them.
        WorkspacePath.pinRoots(of: context)
        var session = LoopSession(record: record, state: state, context: context, policy: policy, emit: emit)
        if configuration.looksAhead, session.state.step == 0 {
            for lookup in NamedPaths.lookups(for: record.task, context: context) {
                _ = try await performTurn(lookup.tool, lookup.arguments, idPrefix: "look", record: &session.record, state: &session.state,
                                          context: &session.context, emit: emit)
            }
        }
        var phase = LoopPhase.prepare
        while true {
            switch phase {
            case .prepare:
                phase = prepare(&session)
            case .generate(let request, let program):
                phase = try await generate(request, program: program, &session)
            case .runProgram(let result, let since):
                phase = try await runProgram(result, since: since, &session)
            case .act(let result, let offered, let since):
                phase = try await act(result, offered: offered, since: since, &session)
            case .judge(let result, let since):
                phase = try judge(result, since: since, &session)
            case .end(let end):
                session.state.elapsedSeconds = session.elapsed
                try finish(&session.record, state: session.state, end: end, context: session.context, emit: emit)
                return
            }
        }
    }

    /// Stops a cancelled or spent run; otherwise plans the next turn: which tools, whether a
    /// call or an answer is due, and how to sample.
    private func prepare(_ session: inout LoopSession) -> LoopPhase {
        // Ctrl-C: keep everything so far; the run can be resumed.
        if Task.isCancelled { return .end(.cancelled) }
        if let exhausted = budgetExhausted(state: session.state, elapsed: session.elapsed) { return .end(.budgetExhausted(exhausted)) }
        session.state.step += 1
        session.emit(.thinking(step: session.state.step))
        if programIsDue(session) {
            let request = programRequest(&session)
            session.state.noteOffer(request, program: true)
            return .generate(request, program: true)
        }
        let state = session.state
        let mustCallTool = (configuration.requireObservation && !state.hasObserved) || state.mustAct
        // After a turn of nothing but repeats, the model answers from what it has seen.
        let toolChoice: ToolChoice = state.forcedTool.map { .function($0) } ?? (mustCallTool ? .required : (state.lastTurnRepeated ? .none : .auto))
        // A forced answer is asked for in words: left to itself, a small model replies "Yes" to the
        // last observation's reminder instead of stating the result.
        let answerNow = toolChoice == .none ? Self.answerNow(session.record.task) : nil
        let messages = state.messages + (answerNow.map { [ChatMessage.user($0)] } ?? [])
        var sampling = configuration.sampling
        if state.redrawNext {
            session.state.redrawNext = false
            sampling.temperature = max(sampling.temperature, Self.redrawTemperature)
            sampling.seed = sampling.seed.map { $0 &+ UInt32(state.step) }
        }
        // An answer turn shows no tools: in view, they lead a small model to copy its last
        // observation (a listing, an error) as the answer instead of stating the result.
        let shown = toolChoice == .none ? [] : offeredTools(under: session.policy, chosen: state.offeredTools)
        var request = GenerationRequest(
            prompt: .chat(messages), tools: shown, toolChoice: toolChoice,
            sampling: sampling, maxTokens: configuration.maxTokensPerTurn,
            grammar: toolChoice == .none ? Self.plainAnswerGrammar : nil)
        request.parallelToolCalls = configuration.parallelCalls
        // A restated observation is passed over for the model's next call; a restated change is
        // taken, and counts as a repeat: a model that redoes what it did has nothing left to do.
        request.previousCalls = Set(state.calls.filter { tools.onlyObserves(String($0.prefix { $0 != " " })) })
        session.state.noteOffer(request, appended: answerNow)
        return .generate(request)
    }

    /// Asks the model; a reply with calls is acted on, one without is judged as the answer. A
    /// malformed or empty reply is noted and the turn is taken again.
    private func generate(_ request: GenerationRequest, program: Bool, _ session: inout LoopSession) async throws -> LoopPhase {
        let since = ContinuousClock.now
        let result: GenerationResult
        do {
            result = try await admittedCompletion(request)
        } catch is CancellationError {
            session.state.step -= 1
            return .end(.cancelled)
        } catch let error as NexusError where error.code == .invalidToolCall {
            // A malformed call goes back to the model as an observation, like a tool error.
            session.state.messages.append(.user("Your last reply was not a valid tool call: \(error.message). Call a tool with valid JSON arguments or give the final answer."))
            session.record.completionTokens += configuration.maxTokensPerTurn / 4
            try persist(&session, [RunStep(runID: session.record.id, index: session.state.step, status: "invalid_call", resultExcerpt: error.message,
                                           durationSeconds: (ContinuousClock.now - since).inSeconds)])
            return .prepare
        }
        // Cancelled while the model was answering (a backend that does not stop for it): the
        // reply is dropped, so nothing is done after the run was told to stop.
        if Task.isCancelled {
            session.state.step -= 1
            return .end(.cancelled)
        }
        session.record.promptTokens += result.usage.promptTokens
        session.record.completionTokens += result.usage.completionTokens
        session.state.completionTokens += result.usage.completionTokens
        if program, !result.toolCalls.isEmpty {
            // Asked for a program, the model called a tool (a backend that offers calls anyway):
            // the call is its choice, acted on as on any turn, and the run goes on with tools.
            session.state.programs = configuration.maxPrograms
            return .act(result, offered: Set(offeredTools(under: session.policy, chosen: session.state.offeredTools).map(\.name)), since: since)
        }
        if program { return .runProgram(try await chosenProgram(result, request: request, &session), since: since) }
        if writesProgram(result, on: request, session) {
            session.state.programs += 1   // written unasked, it counts as one asked for
            return .runProgram(result, since: since)
        }

        let unfinishedCall = result.toolCalls.isEmpty && (result.text.allSatisfy(\.isWhitespace) || Self.looksLikeCall(result.text))
        if unfinishedCall, result.finishReason == .length {
            // The turn's token limit cut a call before it was whole (long content in a write):
            // the model is told so, and makes the call again in a shorter form.
            session.state.messages.append(.user(Self.cutOffCall(limit: configuration.maxTokensPerTurn)))
            try persist(&session, [RunStep(runID: session.record.id, index: session.state.step, status: "cut_off",
                                           resultExcerpt: String(result.text.prefix(500)), durationSeconds: (ContinuousClock.now - since).inSeconds,
                                           promptTokens: result.usage.promptTokens, completionTokens: result.usage.completionTokens)])
            return .prepare
        }
        if unfinishedCall, !session.state.lastTurnRepeated {
            // An empty reply answers nothing (a small model's cut-off call often parses to
            // nothing), and neither does a call written out as text: the next turn must
            // answer in prose from what was observed.
            session.state.lastTurnRepeated = true
            try persist(&session, [RunStep(runID: session.record.id, index: session.state.step, status: "empty",
                                           durationSeconds: (ContinuousClock.now - since).inSeconds,
                                           promptTokens: result.usage.promptTokens, completionTokens: result.usage.completionTokens)])
            return .prepare
        }
        guard !result.toolCalls.isEmpty else { return .judge(result, since: since) }
        // Only what this turn offered may run, whatever the backend: the llama grammar keeps a
        // local model to the list, a remote or scripted one is held to it here.
        return .act(result, offered: Set(request.tools.map(\.name)), since: since)
    }

    /// The model's reply to `request`, once the quotas admit its prompt.
    func admittedCompletion(_ request: GenerationRequest) async throws -> GenerationResult {
        if let promptAdmission {
            // A backend that cannot count (the gateway, a remote model) reserves the prompt's upper bound.
            let measuring = backend as? any PromptMeasuring
            try await promptAdmission(try await measuring?.promptTokenCount(request) ?? request.promptTokenBound)
        }
        return try await backend.complete(request)
    }

    /// The reply is the final answer unless a check in force sends it back (`AnswerCheck`).
    private func judge(_ result: GenerationResult, since: ContinuousClock.Instant, _ session: inout LoopSession) throws -> LoopPhase {
        session.state.messages.append(.assistant(result.text))
        let unfinished = self.unfinished(result.text, task: session.record.task, context: session.context, state: session.state)
        if let unfinished {
            // An answer that comes before the task is done is sent back (once per check).
            session.state.sentBack += [unfinished.check]
            session.state.mustAct = !unfinished.answersNext
            session.state.forcedTool = unfinished.tool
            session.state.lastTurnRepeated = unfinished.answersNext
            session.state.messages.append(.user(unfinished.message))
        }
        try persist(&session, [RunStep(runID: session.record.id, index: session.state.step, status: unfinished == nil ? "answer" : "not_done",
                                       resultExcerpt: String(result.text.prefix(500)), durationSeconds: (ContinuousClock.now - since).inSeconds,
                                       promptTokens: result.usage.promptTokens, completionTokens: result.usage.completionTokens)])
        return unfinished == nil ? .end(.answered(Self.withoutEchoedNudge(result.text), by: .model)) : .prepare
    }

    /// Runs the reply's calls, unless the turn only repeats what was done (then the next turn
    /// answers) or repeats a failed call (then it is drawn again, a few times per run).
    private func act(_ result: GenerationResult, offered: Set<String>, since: ContinuousClock.Instant, _ session: inout LoopSession) async throws -> LoopPhase {
        // Restating what it observed, then changing something (writing what it read), is the
        // model's next step; so is looking further once (list, then read). A model that
        // restates and looks further again is going round its plan: it answers from what it has.
        let looksFurther = result.restatedCalls > 0 && result.toolCalls.allSatisfy { tools.onlyObserves($0.name) }
        let restartedPlan = looksFurther && session.state.lookedFurtherAfterRestating
        if looksFurther { session.state.lookedFurtherAfterRestating = true }
        let exactRepeat = result.toolCalls.allSatisfy { session.state.calls.contains($0.signature) }
        // A call that failed, asked again word for word, is a greedy model stuck in a rut.
        let retriesFailure = exactRepeat && result.toolCalls.allSatisfy { session.state.failedCalls.contains($0.signature) }
        let redraw = retriesFailure && session.state.redraws < configuration.maxRedraws
        session.state.redrawNext = redraw
        if redraw { session.state.redraws += 1 }
        session.state.lastTurnRepeated = (restartedPlan || exactRepeat) && !redraw
        if session.state.lastTurnRepeated {
            // A call was required (an answer was sent back) and the model can only repeat itself:
            // it answers from what it has, or it would repeat until the budget ends.
            session.state.mustAct = false
            session.state.forcedTool = nil
        }
        if session.state.lastTurnRepeated || redraw {
            // Nothing new was asked: keep the conversation ending at the last real observation,
            // and make the next turn answer from it (or draw the turn again).
            let repeated = result.toolCalls.map { call in
                RunStep(runID: session.record.id, index: session.state.step, tool: call.name, arguments: call.arguments,
                        status: exactRepeat ? "repeated" : "replanned", durationSeconds: (ContinuousClock.now - since).inSeconds,
                        promptTokens: result.usage.promptTokens, completionTokens: result.usage.completionTokens)
            }
            for (position, call) in result.toolCalls.enumerated() {
                session.emit(.toolCall(step: session.state.step, call: call, usage: position == 0 ? result.usage : nil))
                session.emit(.toolResult(step: session.state.step, call: call,
                                         result: .error(exactRepeat ? "repeated call: not run again" : "the plan started over: not run; answer from what was observed"), seconds: 0))
            }
            if redraw { session.state.messages.append(.user(Self.fixTheFailure)) }
            try persist(&session, repeated)
            return .prepare
        }
        session.state.messages.append(.assistant(result.text, toolCalls: result.toolCalls))
        session.state.mustAct = false
        session.state.forcedTool = nil
        var steps: [RunStep] = []
        for (position, call) in result.toolCalls.enumerated() {
            steps.append(await perform(call, turn: session.state.step, task: session.record.task, state: &session.state, context: &session.context,
                                       offered: offered, usage: position == 0 ? result.usage : nil, emit: session.emit).step)
        }
        try persist(&session, steps)
        return .prepare
    }

    private func persist(_ session: inout LoopSession, _ steps: [RunStep]) throws {
        try persist(&session.record, state: session.state, steps: steps)
    }

    private func budgetExhausted(state: RunState, elapsed: Double) -> String? {
        if state.step >= configuration.maxSteps {
            return "stopped after \(configuration.maxSteps) steps without a final answer (raise --max-steps)"
        }
        if state.completionTokens >= configuration.maxTokens {
            return "stopped after \(state.completionTokens) generated tokens without a final answer"
        }
        if elapsed >= configuration.maxWallSeconds {
            return "stopped after \(Int(elapsed)) s without a final answer"
        }
        return nil
    }
}
