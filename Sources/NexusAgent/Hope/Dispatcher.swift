import Foundation
public import NexusCore
public import NexusStore
public import NexusTools

/// Picks how a task runs (seed 004's modes): CRYSTALLIZED when a module compiled from a proven
/// trace of the same task shape is installed, FOLLOWER when a proven trace matches with
/// confidence ≥ `thresholds.follower`, MIXED when one matches ≥ `thresholds.mixed`, LEARNER
/// otherwise. A module runs and a trace is replayed only when `ReplayCheck` passes: the two tasks
/// differ only in parameters, every changed parameter is used, and no call or answer still
/// carries a value of the old task; otherwise the reason is recorded and the run is MIXED or
/// LEARNER. Demoted traces (judged bad through a replay) are neither run nor replayed.
///
/// Confidence is the overlap of the two task signatures (Dice's coefficient over their words,
/// placeholders weighing half: 1 for the same shape); candidates come from the same signature
/// and from a BM25 search of signatures. It needs no model: a follower or crystallized run never loads one. When the
/// backend already has a model that embeds, the cosine similarity of the task texts can raise a
/// match to MIXED (never to FOLLOWER).
public struct Dispatcher: Sendable {
    public let database: NexusDatabase
    public let tools: ToolRegistry
    public let thresholds: HopeThresholds
    /// The loaded model's embeddings, when it offers them (the server's local models do); a model
    /// is never loaded only to dispatch.
    public let embedder: (any EmbeddingBackend)?
    /// The key the run belongs to (nil outside the server): only runs of the same owner are
    /// matched, replayed or quoted.
    public let owner: String?

    public init(database: NexusDatabase, tools: ToolRegistry, thresholds: HopeThresholds, embedder: (any EmbeddingBackend)? = nil,
                owner: String? = nil) {
        self.database = database
        self.tools = tools
        self.thresholds = thresholds
        self.embedder = embedder
        self.owner = owner
    }

    /// The mode for `task`.
    /// - Throws: `NexusError(.databaseFailed)` when the traces cannot be read.
    public func dispatch(_ task: String) async throws -> Dispatch {
        let (signature, parameters) = TaskSignature.analyze(task)
        guard thresholds.enabled else { return .learner(parameters, reason: "HOPE is off for this run") }
        let traces = TraceStore(database: database, learnedFrom: .owner(owner))

        var passedOver: [String] = []
        if let (module, trace) = try traces.crystallizedModule(signature: signature) {
            let name = String(module.prefix { $0 != "@" })
            let (runs, successes) = try traces.moduleRuns(module: module)
            let rate = runs == 0 ? 1 : Double(successes) / Double(runs)
            if tools.tool(named: name) != nil, runs < 3 || rate >= thresholds.moduleSuccess {
                let check = try replayCheck(from: trace, to: task)
                if let refusal = try moduleRefusal(module, check: check, parameters: parameters) {
                    passedOver.append("module \(module) was passed over: \(refusal)")
                } else {
                    return Dispatch(mode: .crystallized, confidence: 1, trace: trace, program: nil, module: module, parameters: parameters,
                                    reason: "the task has the shape of trace \(trace.runID), crystallized into \(module)\(runs == 0 ? "" : " (\(successes) of \(runs) runs succeeded)")",
                                    check: check)
                }
            }
        }

        // Newest first, so the newest proven way of doing a task wins a tie. A crystallized run's
        // trace is one module call: following it would only call the module again.
        var candidates = try traces.proven(signature: signature, limit: 10).filter { $0.mode != HopeMode.crystallized }
        for (trace, _) in try traces.similar(to: task, limit: 10)
        where trace.status == .completed && trace.outcome == .success && trace.mode != HopeMode.crystallized
            && !candidates.contains(where: { $0.runID == trace.runID }) {
            candidates.append(trace)
        }
        var scored = candidates.map { (trace: $0, confidence: Self.similarity(signature, $0.signature)) }
        guard var best = Self.mostConfident(scored) else {
            return .learner(parameters, reason: Self.prefix(passedOver) + "no proven trace resembles this task")
        }
        // Below the follower's bar, meaning may find guidance that words miss. Never above it:
        // "count the words" and "count the lines" mean nearly the same to an embedding.
        var byMeaning = false
        if best.confidence < thresholds.follower, let embedder, let meaning = await Self.meaning(of: task, against: scored.map(\.trace), embedder) {
            scored = zip(scored, meaning).map { ($0.trace, min(max($0.confidence, $1), thresholds.follower - 0.01)) }
            if let closer = Self.mostConfident(scored), closer.confidence > best.confidence {
                best = closer
                byMeaning = true
            }
        }
        let confidence = best.confidence
        let percent = String(format: "%.2f", confidence) + (byMeaning ? " (by meaning)" : "")
        // A follower replays only when the binding is total and checked (`ReplayCheck`); when a
        // check fails, the reason is kept and the trace can still guide the model.
        if !byMeaning, confidence >= thresholds.follower, let original = try mostReused(among: scored, confidence: confidence) {
            let check = try replayCheck(from: original, to: task)
            if let program = try await program(of: original) {
                if let refusal = check.refusal(of: program) {
                    passedOver.append("trace \(original.runID) was not replayed: \(refusal)")
                } else {
                    return Dispatch(mode: .follower, confidence: confidence, trace: original, program: program, module: nil, parameters: parameters,
                                    reason: Self.prefix(passedOver) + "matches proven trace \(original.runID) (\"\(original.task)\") with confidence \(percent): its \(program.steps.count) tool calls are replayed with this task's parameters",
                                    check: check)
                }
            } else {
                passedOver.append("trace \(original.runID) made no tool call to replay")
            }
        }
        if let follower = try await followerByNamesInUse(task, signature: signature, among: scored, passedOver: &passedOver) { return follower }
        let before = Self.prefix(passedOver)
        if confidence >= thresholds.mixed {
            let check = try replayCheck(from: best.trace, to: task)
            let demoted = try original(of: best.trace)?.demotedBecause.map { " (its way is demoted: \($0))" } ?? ""
            return Dispatch(mode: .mixed, confidence: confidence, trace: best.trace, program: nil, module: nil, parameters: parameters,
                            reason: before + "resembles proven trace \(best.trace.runID) (\"\(best.trace.task)\")\(demoted) with confidence \(percent): shown to the model as guidance, with this task's values in place of that task's",
                            check: check)
        }
        return .learner(parameters, confidence: confidence,
                        reason: before + "the closest proven trace, \(best.trace.runID), matches with confidence \(percent) only")
    }

    /// A follower of a proven trace whose task is worded like this one but for bare words its run
    /// passed to its tools as values (`NamesInUse`): those words are its parameters, and the
    /// replay is checked as any other. Traces of the task's own signature were tried already.
    /// Nil when no candidate binds so, or every one that does fails a check.
    private func followerByNamesInUse(_ task: String, signature: String, among scored: [(trace: Trace, confidence: Double)],
                                      passedOver: inout [String]) async throws -> Dispatch? {
        let runs = RunStore(database: database)
        var tried: Set<String> = []
        for candidate in scored.sorted(by: { $0.confidence > $1.confidence }) {
            guard let original = try original(of: candidate.trace), original.demotedBecause == nil, original.signature != signature,
                  tried.insert(original.runID).inserted else { continue }
            guard let names = try NamesInUse.binding(old: original.task, new: task, arguments: {
                try runs.steps(runID: original.runID).filter(\.isSuccessfulCall).map { $0.arguments ?? .null }
            }) else { continue }
            let check = try replayCheck(from: original, to: task, names: names)
            guard let program = try await program(of: original, names: names.old) else { continue }
            if let refusal = check.refusal(of: program) {
                passedOver.append("trace \(original.runID) was not replayed: \(refusal)")
                continue
            }
            let bound = check.binding.substitutions.map { "'\($0.old)' → '\($0.new)'" }.joined(separator: ", ")
            return Dispatch(mode: .follower, confidence: 1, trace: original, program: program, module: nil,
                            parameters: TaskSignature.parameters(of: task, names: names.new),
                            reason: Self.prefix(passedOver) + "matches proven trace \(original.runID) (\"\(original.task)\") but for names its calls used (\(bound)): its \(program.steps.count) tool calls are replayed with this task's",
                            check: check)
        }
        return nil
    }

    /// The checks a replay of `trace` for `task` must pass: the binding of the two tasks and the
    /// words the trace's run saw in its tool results.
    func replayCheck(from trace: Trace, to task: String, names: NamesInUse = .none) throws -> ReplayCheck {
        let runs = RunStore(database: database)
        let calls = try runs.steps(runID: trace.runID).filter(\.isSuccessfulCall)
        return ReplayCheck(binding: TaskBinding(old: trace.task, new: task, names: names), oldResults: calls.map { $0.result ?? $0.resultExcerpt ?? "" },
                           oldArguments: calls.flatMap { ($0.arguments ?? .null).leafTexts }, oldAnswer: try runs.run(id: trace.runID)?.answer ?? "")
    }

    /// Why the installed module must not run for this task, or nil: the version active must be
    /// the one compiled (a rolled-back name runs another trace's code), and its code must pass the check.
    private func moduleRefusal(_ module: String, check: ReplayCheck, parameters: [TaskParameter]) throws -> String? {
        let name = String(module.prefix { $0 != "@" }), version = String(module.drop { $0 != "@" }.dropFirst())
        let store = ModuleStore(database: database)
        guard let active = try store.active(name: name), let record = try store.module(id: active.moduleID) else {
            return "it is not installed"
        }
        guard record.version == version else { return "the active version of \(name) is \(record.version), not \(version)" }
        return check.refusal(ofModuleCode: record.code, parameterNames: TraceProgram.parameterNames(for: parameters.map(\.kind)))
    }

    /// The reasons a cheaper mode was passed over, as the start of a dispatch reason.
    private static func prefix(_ passedOver: [String]) -> String {
        passedOver.isEmpty ? "" : passedOver.joined(separator: "; ") + "; so "
    }

    /// The first of the most confident: the newest of equals.
    private static func mostConfident(_ scored: [(trace: Trace, confidence: Double)]) -> (trace: Trace, confidence: Double)? {
        scored.first.map { first in scored.reduce(first) { $1.confidence > $0.confidence ? $1 : $0 } }
    }

    /// Cosine similarity of the task's embedding to each trace's task, or nil when embedding fails.
    private static func meaning(of task: String, against traces: [Trace], _ embedder: any EmbeddingBackend) async -> [Double]? {
        guard let vectors = try? await embedder.embed([task] + traces.map(\.task)).vectors, vectors.count == traces.count + 1 else { return nil }
        return vectors.dropFirst().map { vector in Double(zip(vectors[0], vector).reduce(Float(0)) { $0 + $1.0 * $1.1 }) }
    }

    /// The program of a trace, from its stored steps and answer, checked against the other
    /// recorded runs of its shape (`ExampleGeneralizer`, without a model: a follower never loads one).
    /// - Throws: `NexusError(.databaseFailed)` when the runs cannot be read.
    public func program(of trace: Trace, names: Set<String> = []) async throws -> TraceProgram? {
        try await ExampleGeneralizer.program(of: trace, database: database, model: nil, names: names)?.program
    }

    /// Of the traces matching with `confidence`, the original whose uses succeeded most often
    /// beyond those that failed (the newest of equals): a one-off run, such as a model's answer
    /// after a failed replay, does not displace a way of doing the task that has worked many
    /// times, and a way whose replays keep failing gives way to one that has not failed yet (on
    /// bench/hope.sh copy_file, one trace was picked and fell back for eight runs in a row). An
    /// original compiled into a module is not followed: its module runs, or was passed over for failing.
    private func mostReused(among scored: [(trace: Trace, confidence: Double)], confidence: Double) throws -> Trace? {
        let store = TraceStore(database: database)
        var best: (trace: Trace, score: Int)?
        for candidate in scored where candidate.confidence == confidence {
            guard let original = try original(of: candidate.trace), original.crystallizedInto == nil, original.demotedBecause == nil,
                  let reuse = try store.reuse(of: original.runID) else { continue }
            let score = reuse.successes - (reuse.uses - reuse.successes)
            if best == nil || score > best!.score { best = (original, score) }
        }
        return best?.trace
    }

    /// A follower's trace stands for the trace it followed: their programs are the same, and the
    /// original is where reuse is counted.
    private func original(of trace: Trace) throws -> Trace? {
        guard trace.mode == HopeMode.follower, let source = trace.followedRunID else { return trace }
        return try TraceStore(database: database).trace(runID: source) ?? trace
    }

    /// Dice's coefficient over the words of two signatures: 1 for the same words, 0 for none
    /// shared. Placeholders weigh half a word: "copy <path> to <path>" and "rename <path> to
    /// <path>" share their slots but not what they do.
    public static func similarity(_ a: String, _ b: String) -> Double {
        let wordsA = a.split(separator: " "), wordsB = b.split(separator: " ")
        guard !wordsA.isEmpty || !wordsB.isEmpty else { return 1 }
        func weight(_ word: Substring) -> Double { word.hasPrefix("<") && word.hasSuffix(">") ? 0.5 : 1 }
        var remaining = Dictionary(wordsB.map { ($0, 1) }, uniquingKeysWith: +)
        var shared = 0.0
        for word in wordsA where remaining[word, default: 0] > 0 {
            remaining[word]! -= 1
            shared += weight(word)
        }
        let total = wordsA.reduce(0) { $0 + weight($1) } + wordsB.reduce(0) { $0 + weight($1) }
        return 2 * shared / total
    }
}
