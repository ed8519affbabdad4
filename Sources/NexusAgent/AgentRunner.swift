public import Foundation
public import NexusCore
public import NexusStore
public import NexusTools

/// The autonomous loop: generate → call tools → observe → continue, until the model answers or a
/// budget ends the run. The run's state is saved after every step, so a run killed mid-way
/// resumes where it stopped (`resume(runID:)`), and every run is kept as a trace.
public struct AgentRunner: Sendable {
    public let backend: any InferenceBackend
    public let tools: ToolRegistry
    public let database: NexusDatabase
    public let configuration: AgentConfiguration
    /// `$NEXUS_HOME`: a self-modified system prompt is used only when the ledger signed with the
    /// key there records it. Nil checks the ledger's own chain of keys alone (tests).
    public let ledgerHome: URL?

    public init(backend: any InferenceBackend, tools: ToolRegistry, database: NexusDatabase, configuration: AgentConfiguration = AgentConfiguration(),
                ledgerHome: URL? = nil) {
        self.backend = backend
        self.tools = tools
        self.database = database
        self.configuration = configuration
        self.ledgerHome = ledgerHome
    }

    /// Starts a new run of `task` in `workspace` under `policy`. HOPE's dispatcher picks the mode
    /// first: a crystallized module or a followed trace finishes the task without the model
    /// unless a step fails, and then the model takes over from what was done.
    public func start(task: String, workspace: URL, policy: CapabilityPolicy) -> AsyncThrowingStream<AgentEvent, any Error> {
        stream { emit in
            let trimmed = task.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else {
                throw NexusError(.invalidArgument, "the task is empty; say what the agent should do")
            }
            let dispatcher = Dispatcher(database: database, tools: tools, thresholds: configuration.hope, embedder: backend as? any EmbeddingBackend,
                                        owner: configuration.ownerKeyID)
            let dispatch = try await dispatcher.dispatch(trimmed)
            let prompt = try SystemPrompt.compose(database: database, home: ledgerHome, task: trimmed, recalled: configuration.recalledMemories)
            var request = trimmed
            if dispatch.mode == .mixed, let trace = dispatch.trace {
                request += try Guidance.text(for: trace, check: dispatch.check, database: database)
            }
            var state = RunState(messages: [.system(prompt), .user(request)])
            if dispatch.mode == .mixed { state.oldTaskValues = dispatch.oldTaskValues }
            state.offeredTools = chooseTools(for: request, intent: TaskIntent(trimmed), under: policy)
            var record = RunRecord(
                task: trimmed, model: backend.modelName, workspace: workspace.path, policy: try JSONValue(encoding: policy),
                state: try JSONValue(encoding: state), mode: dispatch.mode.rawValue, confidence: dispatch.confidence,
                followedRunID: dispatch.trace?.runID, module: dispatch.module, dispatchReason: dispatch.reason,
                ownerKeyID: configuration.ownerKeyID)
            try RunStore(database: database).create(record)
            emit(.started(runID: record.id, task: trimmed, resumed: false))
            // One set of pinned roots for the whole run, whether HOPE or the model does the steps.
            let resources = RunResources()
            emit(.dispatched(mode: dispatch.mode, confidence: dispatch.confidence, reason: dispatch.reason))
            if dispatch.mode == .crystallized || dispatch.mode == .follower {
                if try await runWithoutModel(dispatch, record: &record, state: &state, policy: policy, resources: resources, emit: emit) { return }
            }
            try await loop(record: record, state: state, policy: policy, resources: resources, emit: emit)
        }
    }

    /// Continues a run that stopped before it finished (crash, kill, Ctrl-C).
    /// - Throws: `NexusError` if the run is unknown or already finished.
    public func resume(runID: String) -> AsyncThrowingStream<AgentEvent, any Error> {
        stream { emit in
            let store = RunStore(database: database)
            guard let record = try store.run(id: runID) else {
                throw NexusError(.invalidArgument, "no run '\(runID)'; list runs with `nexus runs list`")
            }
            guard RunState.resumableStatuses.contains(record.status) else {
                throw NexusError(.invalidArgument, "run \(record.id) already ended (\(record.status)); start a new run instead")
            }
            let state = try record.state.decoded(as: RunState.self)
            let policy = try record.policy.decoded(as: CapabilityPolicy.self)
            emit(.started(runID: record.id, task: record.task, resumed: true))
            try await loop(record: record, state: state, policy: policy, emit: emit)
        }
    }

    func stream(_ body: @escaping @Sendable (_ emit: @escaping @Sendable (AgentEvent) -> Void) async throws -> Void)
        -> AsyncThrowingStream<AgentEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<AgentEvent, any Error>.makeStream()
        let task = Task {
            do {
                try await body { continuation.yield($0) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    // MARK: - The loop

    private func loop(record initial: RunRecord, state initialState: RunState, policy: CapabilityPolicy, resources: RunResources = RunResources(),
                      emit: @escaping @Sendable (AgentEvent) -> Void) async throws {
        var record = initial
        var state = initialState
        var context = ToolContext(workspace: URL(fileURLWithPath: record.workspace), policy: policy, runID: record.id, resources: resources)
        // The policy's roots are opened now, before any tool runs: nothing the run does later moves them.
        WorkspacePath.pinRoots(of: context)
        let started = ContinuousClock.now
        let elapsedBefore = state.elapsedSeconds

        func elapsed() -> Double { elapsedBefore + (ContinuousClock.now - started).inSeconds }

        func finish(_ status: String, answer: String, outcome: String, source: String) throws {
            state.elapsedSeconds = elapsed()
            try self.finish(&record, state: state, status: status, answer: answer, outcome: outcome, source: source, emit: emit)
        }

        while true {
            if Task.isCancelled {
                // Ctrl-C: keep everything so far; the run can be resumed.
                try finish("cancelled", answer: "", outcome: "unknown", source: "none")
                return
            }
            if let exhausted = budgetExhausted(state: state, elapsed: elapsed()) {
                try finish("budget_exhausted", answer: exhausted, outcome: "failure", source: "budget")
                return
            }
            state.step += 1
            emit(.thinking(step: state.step))
            let mustCallTool = (configuration.requireObservation && !state.hasObserved) || state.mustAct
            // After a turn of nothing but repeats, the model answers from what it has seen.
            let toolChoice: ToolChoice = state.forcedTool.map { .function($0) } ?? (mustCallTool ? .required : (state.lastTurnRepeated ? .none : .auto))
            // A forced answer is asked for in words: left to itself, a small model replies "Yes" to the
            // last observation's reminder instead of stating the result.
            let messages = toolChoice == .none ? state.messages + [.user(Self.answerNow(record.task))] : state.messages
            var sampling = configuration.sampling
            if state.redrawNext {
                state.redrawNext = false
                sampling.temperature = max(sampling.temperature, Self.redrawTemperature)
                sampling.seed = sampling.seed.map { $0 &+ UInt32(state.step) }
            }
            var request = GenerationRequest(
                prompt: .chat(messages), tools: offeredTools(under: policy, chosen: state.offeredTools), toolChoice: toolChoice,
                sampling: sampling, maxTokens: configuration.maxTokensPerTurn,
                grammar: toolChoice == .none ? Self.plainAnswerGrammar : nil)
            // A restated observation is passed over for the model's next call; a restated change is
            // taken, and counts as a repeat: a model that redoes what it did has nothing left to do.
            request.previousCalls = Set(state.calls.filter { tools.onlyObserves(String($0.prefix { $0 != " " })) })
            let turnStart = ContinuousClock.now
            let result: GenerationResult
            do {
                result = try await backend.complete(request)
            } catch is CancellationError {
                state.step -= 1
                try finish("cancelled", answer: "", outcome: "unknown", source: "none")
                return
            } catch let error as NexusError where error.code == .invalidToolCall {
                // A malformed call goes back to the model as an observation, like a tool error.
                state.messages.append(.user("Your last reply was not a valid tool call: \(error.message). Call a tool with valid JSON arguments or give the final answer."))
                record.completionTokens += configuration.maxTokensPerTurn / 4
                try persist(&record, state: state, steps: [RunStep(runID: record.id, index: state.step, tool: nil, arguments: nil, status: "invalid_call",
                                                                     resultExcerpt: error.message, durationSeconds: (ContinuousClock.now - turnStart).inSeconds)])
                continue
            }
            record.promptTokens += result.usage.promptTokens
            record.completionTokens += result.usage.completionTokens
            state.completionTokens += result.usage.completionTokens

            if result.toolCalls.isEmpty, result.text.allSatisfy(\.isWhitespace) || Self.looksLikeCall(result.text), !state.lastTurnRepeated {
                // An empty reply answers nothing (a small model's cut-off call often parses to
                // nothing), and neither does a call written out as text: the next turn must
                // answer in prose from what was observed.
                state.lastTurnRepeated = true
                try persist(&record, state: state, steps: [RunStep(runID: record.id, index: state.step, tool: nil, arguments: nil, status: "empty",
                                                                     durationSeconds: (ContinuousClock.now - turnStart).inSeconds,
                                                                     promptTokens: result.usage.promptTokens, completionTokens: result.usage.completionTokens)])
                continue
            }
            guard !result.toolCalls.isEmpty else {
                state.messages.append(.assistant(result.text))
                let unfinished = TaskIntent(record.task).unfinished(task: record.task, context: context, state: state) ?? staleAnswer(result.text, state: state)
                    ?? ungroundedAnswer(result.text, task: record.task, state: state)
                if let unfinished {
                    // An answer that comes before the task is done is sent back (once per check).
                    state.sentBack += [unfinished.check]
                    state.mustAct = true
                    state.forcedTool = unfinished.tool
                    state.lastTurnRepeated = false
                    state.messages.append(.user(unfinished.message))
                }
                let step = RunStep(runID: record.id, index: state.step, tool: nil, arguments: nil, status: unfinished == nil ? "answer" : "not_done",
                                   resultExcerpt: String(result.text.prefix(500)), durationSeconds: (ContinuousClock.now - turnStart).inSeconds,
                                   promptTokens: result.usage.promptTokens, completionTokens: result.usage.completionTokens)
                try persist(&record, state: state, steps: [step])
                guard unfinished == nil else { continue }
                try finish("completed", answer: Self.withoutEchoedNudge(result.text), outcome: "success", source: "model")
                return
            }

            // Restating what it observed, then changing something (writing what it read), is the
            // model's next step; so is looking further once (list, then read). A model that
            // restates and looks further again is going round its plan: it answers from what it has.
            let looksFurther = result.restatedCalls > 0 && result.toolCalls.allSatisfy { tools.onlyObserves($0.name) }
            let restartedPlan = looksFurther && state.lookedFurtherAfterRestating
            if looksFurther { state.lookedFurtherAfterRestating = true }
            let exactRepeat = result.toolCalls.allSatisfy { state.calls.contains($0.signature) }
            // A call that failed, asked again word for word, is a greedy model stuck in a rut:
            // the turn is drawn again with some randomness, a few times per run, before the
            // model is made to answer.
            let retriesFailure = exactRepeat && result.toolCalls.allSatisfy { state.failedCalls.contains($0.signature) }
            let redraw = retriesFailure && state.redraws < Self.maxRedraws
            state.redrawNext = redraw
            if redraw { state.redraws += 1 }
            state.lastTurnRepeated = (restartedPlan || exactRepeat) && !redraw
            if state.lastTurnRepeated || redraw {
                // Nothing new was asked: keep the conversation ending at the last real observation,
                // and make the next turn answer from it (or draw the turn again).
                let repeated = result.toolCalls.map { call in
                    RunStep(runID: record.id, index: state.step, tool: call.name, arguments: call.arguments, status: exactRepeat ? "repeated" : "replanned",
                            durationSeconds: (ContinuousClock.now - turnStart).inSeconds,
                            promptTokens: result.usage.promptTokens, completionTokens: result.usage.completionTokens)
                }
                for call in result.toolCalls {
                    emit(.toolCall(step: state.step, call: call))
                    emit(.toolResult(step: state.step, call: call, result: .error(exactRepeat ? "repeated call: not run again" : "the plan started over: not run; answer from what was observed"), seconds: 0))
                }
                try persist(&record, state: state, steps: repeated)
                continue
            }
            state.messages.append(.assistant(result.text, toolCalls: result.toolCalls))
            state.mustAct = false
            state.forcedTool = nil
            var steps: [RunStep] = []
            // Only what this turn offered may run, whatever the backend: the llama grammar keeps a
            // local model to the list, a remote or scripted one is held to it here.
            let offered = Set(request.tools.map(\.name))
            for (position, call) in result.toolCalls.enumerated() {
                var step = await perform(call, turn: state.step, task: record.task, state: &state, context: &context,
                                         offered: offered, emit: emit).step
                step.promptTokens = position == 0 ? result.usage.promptTokens : 0
                step.completionTokens = position == 0 ? result.usage.completionTokens : 0
                steps.append(step)
            }
            try persist(&record, state: state, steps: steps)
        }
    }

    /// The tools the model may be offered. Modules HOPE compiled are left out: the dispatcher runs
    /// them for their own task shape, and their descriptions would only crowd a small model's prompt.
    func offerableTools(under policy: CapabilityPolicy) -> [ToolDefinition] {
        tools.definitions(usableUnder: policy).filter { !$0.name.hasPrefix(Crystallizer.modulePrefix) }
    }

    /// The names of the tools a new run offers, chosen once so that a resumed run offers the same.
    /// A question is offered only tools that find things out: a small model otherwise writes over
    /// the files it was asked about.
    func chooseTools(for request: String, intent: TaskIntent, under policy: CapabilityPolicy) -> [String] {
        let candidates = offerableTools(under: policy)
            .filter { !intent.asksQuestion || tools.answersQuestions($0.name) }
            .map { ToolSelection.Candidate(definition: $0, keywords: tools.keywords(of: $0.name)) }
        return ToolSelection.choose(from: candidates, for: request, stats: toolStats()).map(\.name)
    }

    /// The tools offered on this turn: the run's chosen ones (all, for runs saved before choosing).
    func offeredTools(under policy: CapabilityPolicy, chosen: [String]?) -> [ToolDefinition] {
        let offerable = offerableTools(under: policy)
        guard let chosen else { return offerable }
        return offerable.filter { chosen.contains($0.name) }
    }

    /// An answer without the reminder each observation ends with, which small models echo
    /// (and which a trace would otherwise replay forever).
    static func withoutEchoedNudge(_ answer: String) -> String {
        let markers = ["(Task:", "(The task was:", "The task was:"]
        guard let cut = markers.compactMap({ answer.range(of: $0)?.lowerBound }).min(), cut > answer.startIndex else { return answer }
        return String(answer[..<cut]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Text that is a tool call (cut off or malformed), not an answer: `{"name": ...` or a call tag.
    static func looksLikeCall(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return (trimmed.hasPrefix("{") && trimmed.contains("\"name\"")) || trimmed.hasPrefix("<tool_call>")
    }

    /// Redraws of a turn that only repeated a failed call, per run, and their temperature.
    static let maxRedraws = 2
    static let redrawTemperature = 0.7

    /// What a forced answer turn is asked.
    static func answerNow(_ task: String) -> String {
        "Give the final answer to the task now, from the tool results above, in one short sentence that states the result (the number, name or text asked for). The task: \(task)"
    }

    /// A forced answer must be prose: small models otherwise keep writing tool calls as JSON text.
    static let plainAnswerGrammar = #"root ::= [A-Za-z0-9] [^\x00]*"#

    func persist(_ record: inout RunRecord, state: RunState, steps: [RunStep]) throws {
        record.state = try JSONValue(encoding: state)
        record.updatedAt = Date()
        try RunStore(database: database).save(run: record, appending: steps)
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

    func summary(of record: RunRecord, seconds: Double) throws -> RunSummary {
        let steps = try RunStore(database: database).steps(runID: record.id).compactMap { step -> RunSummary.Step? in
            guard let tool = step.tool else { return nil }
            return RunSummary.Step(tool: tool, arguments: step.arguments ?? [:], status: step.status)
        }
        return RunSummary(
            id: record.id, status: record.status, outcome: record.outcome ?? "unknown", outcomeSource: record.outcomeSource ?? "none",
            answer: record.answer ?? "", steps: steps, promptTokens: record.promptTokens, completionTokens: record.completionTokens,
            seconds: seconds, mode: record.mode, confidence: record.confidence, reason: record.dispatchReason)
    }
}
