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
    /// Called with each turn's prompt, in tokens as the model counts them, before the model reads
    /// it (for a backend that can count: ``PromptMeasuring``); a throw ends the run with that
    /// error. The server reserves the prompt against the run's quotas here, so that a run's later
    /// turns cannot take it past a hard cap.
    public var promptAdmission: (@Sendable (Int) async throws -> Void)?

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
            state.toolSchemas = offeredTools(under: policy, chosen: state.offeredTools)
            var record = RunRecord(
                task: trimmed, model: backend.modelName, workspace: workspace.path, policy: try JSONValue(encoding: policy),
                state: try JSONValue(encoding: state), mode: dispatch.mode, confidence: dispatch.confidence,
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
            guard RunStatus.resumable.contains(record.status) else {
                throw NexusError(.invalidArgument, "run \(record.id) already ended (\(record.status)); start a new run instead")
            }
            let state = try record.state.decoded(as: RunState.self)
            let policy = try record.policy.decoded(as: CapabilityPolicy.self)
            // Running again from here on: a cancelled run that goes on must not read as cancelled,
            // and one that stops again is ended afresh.
            guard try await store.reopen(runID: record.id) else {
                throw NexusError(.invalidArgument, "run \(record.id) ended meanwhile; start a new run instead")
            }
            var resumed = record
            resumed.status = .running
            resumed.failure = nil
            emit(.started(runID: record.id, task: record.task, resumed: true))
            try await loop(record: resumed, state: state, policy: policy, emit: emit)
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

    /// The tools the model may be offered. Modules HOPE compiled are left out: the dispatcher runs
    /// them for their own task shape, and their descriptions would only crowd a small model's prompt.
    func offerableTools(under policy: CapabilityPolicy) -> [ToolDefinition] {
        tools.definitions(usableUnder: policy).filter { !$0.name.hasPrefix(Crystallizer.modulePrefix) }
    }

    /// The names of the tools a new run offers, chosen once so that a resumed run offers the same.
    /// A question is offered only tools that find things out: a small model otherwise writes over
    /// the files it was asked about.
    func chooseTools(for request: String, intent: TaskIntent, under policy: CapabilityPolicy) -> [String] {
        if configuration.toolOffer == .all { return offerableTools(under: policy).map(\.name) }
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

    /// What the model is told when the turn's token limit cut its call before it was whole.
    static func cutOffCall(limit: Int) -> String {
        "Your last reply was cut off at \(limit) tokens before its tool call was complete. Make the call again with shorter arguments: write long text in parts, the later ones with mode \"append\"."
    }

    /// The temperature of a turn drawn again (`AgentConfiguration.maxRedraws`).
    static let redrawTemperature = 0.7

    /// What a turn drawn again is told: a greedy model that repeats a failed call word for word
    /// does not see that the error is its own to fix.
    static let fixTheFailure = "That exact call already failed, and would fail the same way again. Change it to fix the error its result shows (for Python, the line the traceback names), or take another way."

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

    func summary(of record: RunRecord, seconds: Double) throws -> RunSummary {
        let steps = try RunStore(database: database).steps(runID: record.id).compactMap { step -> RunSummary.Step? in
            guard let tool = step.tool else { return nil }
            return RunSummary.Step(tool: tool, arguments: step.arguments ?? [:], status: step.status)
        }
        return RunSummary(
            id: record.id, status: record.status, outcome: record.outcome ?? .unknown, outcomeSource: record.outcomeSource ?? OutcomeSource.none,
            answer: record.answer ?? "", steps: steps, promptTokens: record.promptTokens, completionTokens: record.completionTokens,
            seconds: seconds, mode: record.mode, confidence: record.confidence, reason: record.dispatchReason)
    }
}
