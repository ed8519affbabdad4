import Foundation
public import NexusCore
public import NexusStore
public import NexusTools

/// Picks how a task runs (seed 004's modes): CRYSTALLIZED when a module compiled from a proven
/// trace of the same task shape is installed, FOLLOWER when a proven trace matches with
/// confidence ≥ `thresholds.follower` and takes the same kinds of parameters, MIXED when one
/// matches ≥ `thresholds.mixed`, LEARNER otherwise.
///
/// Confidence is the overlap of the two task signatures (Dice's coefficient over their words:
/// 1 for the same shape); candidates come from the same signature and from a BM25 search of
/// signatures. It needs no model: a follower or crystallized run never loads one.
public struct Dispatcher: Sendable {
    public let database: NexusDatabase
    public let tools: ToolRegistry
    public let thresholds: HopeThresholds

    public init(database: NexusDatabase, tools: ToolRegistry, thresholds: HopeThresholds) {
        self.database = database
        self.tools = tools
        self.thresholds = thresholds
    }

    /// The mode for `task`.
    /// - Throws: `NexusError(.databaseFailed)` when the traces cannot be read.
    public func dispatch(_ task: String) throws -> Dispatch {
        let (signature, parameters) = TaskSignature.analyze(task)
        guard thresholds.enabled else { return .learner(parameters, reason: "HOPE is off for this run") }
        let traces = TraceStore(database: database)

        if let (module, trace) = try traces.crystallizedModule(signature: signature) {
            let name = String(module.prefix { $0 != "@" })
            let (runs, successes) = try traces.moduleRuns(module: module)
            let rate = runs == 0 ? 1 : Double(successes) / Double(runs)
            if tools.tool(named: name) != nil, runs < 3 || rate >= thresholds.moduleSuccess {
                return Dispatch(mode: .crystallized, confidence: 1, trace: trace, program: nil, module: module, parameters: parameters,
                                reason: "the task has the shape of trace \(trace.runID), crystallized into \(module)\(runs == 0 ? "" : " (\(successes) of \(runs) runs succeeded)")")
            }
        }

        // Newest first, so the newest proven way of doing a task wins a tie. A crystallized run's
        // trace is one module call: following it would only call the module again.
        var candidates = try traces.proven(signature: signature, limit: 10).filter { $0.mode != HopeMode.crystallized.rawValue }
        for (trace, _) in try traces.similar(to: task, limit: 10)
        where trace.status == "completed" && trace.outcome == "success" && trace.mode != HopeMode.crystallized.rawValue
            && !candidates.contains(where: { $0.runID == trace.runID }) {
            candidates.append(trace)
        }
        let scored = candidates.map { (trace: $0, confidence: Self.similarity(signature, $0.signature)) }
        // The first of the most confident: the newest of equals.
        let first = scored.first.map { first in scored.reduce(first) { $1.confidence > $0.confidence ? $1 : $0 } }
        guard let best = first else {
            return .learner(parameters, reason: "no proven trace resembles this task")
        }
        let confidence = best.confidence
        let percent = String(format: "%.2f", confidence)
        if confidence >= thresholds.follower, best.trace.signature == signature || Self.sameParameters(best.trace, parameters),
           let original = try original(of: best.trace), let program = try program(of: original) {
            return Dispatch(mode: .follower, confidence: confidence, trace: original, program: program, module: nil, parameters: parameters,
                            reason: "matches proven trace \(original.runID) (\"\(original.task)\") with confidence \(percent): its \(program.steps.count) tool calls are replayed with this task's parameters")
        }
        if confidence >= thresholds.mixed {
            return Dispatch(mode: .mixed, confidence: confidence, trace: best.trace, program: nil, module: nil, parameters: parameters,
                            reason: "resembles proven trace \(best.trace.runID) (\"\(best.trace.task)\") with confidence \(percent): shown to the model as guidance")
        }
        return .learner(parameters, confidence: confidence,
                        reason: "the closest proven trace, \(best.trace.runID), matches with confidence \(percent) only")
    }

    /// The program of a trace, from its stored steps and answer.
    /// - Throws: `NexusError(.databaseFailed)` when the run cannot be read.
    public func program(of trace: Trace) throws -> TraceProgram? {
        let store = RunStore(database: database)
        guard let run = try store.run(id: trace.runID) else { return nil }
        return TraceProgram.infer(runID: trace.runID, task: run.task, steps: try store.steps(runID: trace.runID), answer: run.answer ?? "")
    }

    /// A follower's trace stands for the trace it followed: their programs are the same, and the
    /// original is where reuse is counted.
    private func original(of trace: Trace) throws -> Trace? {
        guard trace.mode == HopeMode.follower.rawValue, let source = trace.followedRunID else { return trace }
        return try TraceStore(database: database).trace(runID: source) ?? trace
    }

    private static func sameParameters(_ trace: Trace, _ parameters: [TaskParameter]) -> Bool {
        TaskSignature.parameters(of: trace.task).map(\.kind) == parameters.map(\.kind)
    }

    /// Dice's coefficient over the words of two signatures: 1 for the same words, 0 for none shared.
    static func similarity(_ a: String, _ b: String) -> Double {
        let wordsA = a.split(separator: " "), wordsB = b.split(separator: " ")
        guard !wordsA.isEmpty || !wordsB.isEmpty else { return 1 }
        var remaining = Dictionary(wordsB.map { ($0, 1) }, uniquingKeysWith: +)
        var shared = 0
        for word in wordsA where remaining[word, default: 0] > 0 {
            remaining[word]! -= 1
            shared += 1
        }
        return 2 * Double(shared) / Double(wordsA.count + wordsB.count)
    }
}
