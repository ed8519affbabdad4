import Crypto
import Foundation
public import NexusCore
public import NexusModules
public import NexusStore

/// Turns proven traces into modules (seed 004's Toolsmith, deterministic): the trace's program is
/// compiled to Lua (`LuaCompiler`), its recorded runs become the module's tests (each replays
/// the run's exact tool calls and results and must give its answer), and the module goes
/// through the signed lifecycle: draft → validate → promote → install. The trace is marked
/// `crystallized_into` the module, and the graph gets the edge module → trace.
///
/// Candidates are traces used ≥ `minimumUses` times (the run itself plus the runs that followed
/// it) with a success rate ≥ `minimumSuccess`, not yet crystallized, ranked by seed 004's
/// priority. A shape that already has a module gets a new version when a newer trace succeeds
/// more often than the module's runs do (tool evolution).
public struct Crystallizer: Sendable {
    public let database: NexusDatabase
    public let lifecycle: ModuleLifecycle
    public var minimumUses = 5
    public var minimumSuccess = 0.95
    /// Asked for a template where the recorded runs of a task shape wrote a value the program
    /// cannot explain (`ExampleGeneralizer`); nil generalizes from the runs alone.
    public var model: (any InferenceBackend)?
    /// `.required` stops a module at its validated draft until an admin approves it
    /// (``approve(_:actor:)``); `.auto` promotes and installs it at once.
    public var approval = ModuleApprovalMode.auto

    public init(database: NexusDatabase, lifecycle: ModuleLifecycle) {
        self.database = database
        self.lifecycle = lifecycle
    }

    /// A trace worth compiling, and why.
    public struct Candidate: Sendable {
        public var reuse: TraceReuse
        /// Model tokens a use of the trace cost, in thousands: what each future use saves.
        public var savings: Double
        /// usage·10·0.5 + savings·100·0.3 + success·100·0.2 (seed 004).
        public var priority: Double
        /// The module (NAME@VERSION) of the same task shape it would replace, if any.
        public var replaces: String?
    }

    /// What one crystallization made.
    public struct Outcome: Sendable {
        public var traceRunID: String
        /// NAME@VERSION of the installed module.
        public var module: String
        public var moduleID: String
        /// Recorded runs replayed by validation.
        public var testedRuns: Int
        public var replaced: String?
        /// Values of steps generalized from other runs' explanations, and by the model.
        public var generalizedByExamples = 0
        public var generalizedByModel = 0
        /// Model tokens spent generalizing (0 when the runs agree or no model was given).
        public var modelTokens = 0
        /// The module is a validated draft waiting for an admin's approval, not installed.
        public var awaitingApproval = false
    }

    /// Traces ready to crystallize, highest priority first.
    /// - Throws: `NexusError(.databaseFailed)` when the traces cannot be read.
    public func candidates() throws -> [Candidate] {
        let traces = TraceStore(database: database)
        var found: [Candidate] = []
        let approvals = ModuleApprovalStore(database: database)
        for reuse in try traces.uncrystallizedOriginals() where reuse.uses >= minimumUses && reuse.successRate >= minimumSuccess {
            // A module of this trace waits for an admin, or was rejected: no new draft of it.
            if try approvals.isWaitingOrRejected(traceRunID: reuse.trace.runID) { continue }
            var replaces: String?
            if let (module, _) = try traces.crystallizedModule(signature: reuse.trace.signature) {
                let (runs, successes) = try traces.moduleRuns(module: module)
                let moduleRate = runs == 0 ? 1 : Double(successes) / Double(runs)
                guard reuse.successRate > moduleRate else { continue }
                replaces = module
            }
            let savings = Double(reuse.trace.promptTokens + reuse.trace.completionTokens) / 1000
            let priority = Double(reuse.uses) * 10 * 0.5 + savings * 100 * 0.3 + reuse.successRate * 100 * 0.2
            found.append(Candidate(reuse: reuse, savings: savings, priority: priority, replaces: replaces))
        }
        return found.sorted { $0.priority > $1.priority }
    }

    /// Compiles, validates, promotes and installs the module of one trace (a follower's trace
    /// stands for the trace it followed).
    /// - Throws: `NexusError(.notFound)` for an unknown trace, `.invalidArgument` for a trace
    ///   that did not succeed or has nothing to compile, `.lifecycleRefused` when validation
    ///   fails (nothing is installed; the draft and its report stay for inspection).
    public func crystallize(runID: String, actor: String = "hope") async throws -> Outcome {
        let traces = TraceStore(database: database)
        guard var trace = try traces.trace(runID: runID) else {
            throw NexusError(.notFound, "there is no trace \(runID); see `nexus traces list`")
        }
        if trace.mode == HopeMode.follower, let source = trace.followedRunID, let original = try traces.trace(runID: source) {
            trace = original
        }
        guard trace.status == .completed, trace.outcome == .success else {
            throw NexusError(.invalidArgument, "trace \(trace.runID) did not succeed (\(trace.status.rawValue), \(trace.outcome?.rawValue ?? "no verdict")); only proven traces are crystallized")
        }
        if let demoted = trace.demotedBecause {
            throw NexusError(.invalidArgument, "trace \(trace.runID) is demoted (\(demoted)); judge runs that used it good with `nexus feedback RUN good` to promote it again")
        }
        guard let generalized = try await ExampleGeneralizer.program(of: trace, database: database, model: model) else {
            throw NexusError(.invalidArgument, "trace \(trace.runID) made no successful tool call; there is nothing to compile")
        }
        let program = generalized.program
        let values = TaskSignature.parameters(of: trace.task).map(\.value)
        if let index = program.usedParameters.sorted().first(where: { !program.passesAsValue($0, oldValues: values) }) {
            throw NexusError(.invalidArgument, "trace \(trace.runID) passes its parameter \(index + 1) ('\(values[index])') to no tool as a value (its code names it only in words), so a module of it would not act on its input; it is not compiled")
        }
        let tests = try recordedTests(of: trace, program: program, alsoReplaying: generalized.agreeing)
        let previous = try traces.crystallizedModule(signature: trace.signature)?.module
        let name = Self.moduleName(for: trace.signature)
        let version = try lifecycle.nextVersion(of: name)
        let manifest = manifest(for: program, trace: trace, name: name, version: version, tests: tests)

        let draft = try lifecycle.createDraft(manifest: manifest, code: LuaCompiler.code(for: program), actor: actor).record
        let report = try await lifecycle.validate("nexus://\(draft.id)")
        guard report.passed else {
            let failures = report.failures.prefix(3).map { "\($0.name): \($0.message)" }.joined(separator: "; ")
            throw NexusError(.lifecycleRefused, "the module compiled from trace \(trace.runID) failed validation (\(failures)); it was not installed (draft \(name)@\(version))")
        }
        var outcome = Outcome(traceRunID: trace.runID, module: "\(name)@\(version)", moduleID: draft.id, testedRuns: tests.count, replaced: previous,
                              generalizedByExamples: generalized.byExamples, generalizedByModel: generalized.byModel,
                              modelTokens: generalized.modelTokens)
        if approval == .required {
            try ModuleApprovalStore(database: database).request(ModuleApproval(draftID: draft.id, name: name, version: version,
                                                                              traceRunID: trace.runID, requestedBy: actor))
            outcome.awaitingApproval = true
            return outcome
        }
        outcome.moduleID = try installCrystallized(draftID: draft.id, traceRunID: trace.runID, actor: actor)
        return outcome
    }

    /// Promotes and installs a validated draft compiled from a trace, and marks the trace.
    /// - Returns: The promoted version's id.
    private func installCrystallized(draftID: String, traceRunID: String, actor: String) throws -> String {
        let promoted = try lifecycle.promote("nexus://\(draftID)", actor: actor)
        try lifecycle.install("nexus://\(promoted.id)", actor: actor)
        try TraceStore(database: database).markCrystallized(runID: traceRunID, module: "\(promoted.name)@\(promoted.version)")
        try GraphStore(database: database).link(GraphEdge(source: promoted.id, kind: .crystallizedFrom, target: "trace:\(traceRunID)"))
        return promoted.id
    }

    /// An admin's decision on a module waiting for approval (`reference`: its draft id, or
    /// `NAME[@VERSION]`). Either way the decision is a signed ledger entry (`approve` or
    /// `reject`) written with it; an approved module is then promoted and installed.
    /// - Returns: The decided approval.
    /// - Throws: `NexusError(.notFound)` when nothing waits under that reference,
    ///   `.lifecycleRefused` when it was decided already or no longer passes promotion.
    @discardableResult
    public func decide(_ reference: String, approve: Bool, reason: String? = nil, actor: String) throws -> ModuleApproval {
        let approvals = ModuleApprovalStore(database: database)
        guard var approval = try approvals.find(reference) else {
            throw NexusError(.notFound, "no module waits for approval as '\(reference)'; `nexus modules approvals` lists those that do")
        }
        guard approval.decision == nil else {
            throw NexusError(.lifecycleRefused, "\(approval.name)@\(approval.version) was \(approval.decision!.rawValue) already by \(approval.decidedBy ?? "someone")")
        }
        if approve {
            // Refused before anything is signed: an approval of a module that cannot then be
            // promoted would read "approved" with nothing installed.
            try lifecycle.checkPromotable("nexus://\(approval.draftID)")
        }
        approval.decision = approve ? .approved : .rejected
        approval.decidedBy = actor
        approval.decidedAt = Date()
        approval.reason = reason
        var detail: JSONObject = ["name": .string(approval.name), "version": .string(approval.version)]
        if let reason { detail["reason"] = .string(reason) }
        if let trace = approval.traceRunID { detail["trace"] = .string(trace) }
        try lifecycle.ledger.append(action: approve ? "approve" : "reject", subject: approval.draftID, actor: actor, detail: detail,
                                    changes: [.approvalDecision(approval)])
        if approve, let trace = approval.traceRunID {
            _ = try installCrystallized(draftID: approval.draftID, traceRunID: trace, actor: actor)
        } else if approve {
            // A module the toolsmith built: promoted and installed like any approved draft.
            let promoted = try lifecycle.promote("nexus://\(approval.draftID)", actor: actor)
            try lifecycle.install("nexus://\(promoted.id)", actor: actor)
        }
        return approval
    }

    /// Crystallizes the best candidates, at most `limit`; a candidate that fails validation is
    /// reported and left as it is.
    public func crystallizeCandidates(limit: Int = 3, actor: String = "hope") async throws -> [Result<Outcome, NexusError>] {
        var results: [Result<Outcome, NexusError>] = []
        for candidate in try candidates().prefix(limit) {
            do {
                results.append(.success(try await crystallize(runID: candidate.reuse.trace.runID, actor: actor)))
            } catch let error as NexusError {
                results.append(.failure(error))
            }
        }
        return results
    }

    // MARK: - Parts

    /// Test cases from recorded runs, each replaying the run's calls: the trace's own run and the
    /// successful runs that followed it, newest first (at most 10), also expect its answer; other
    /// runs in `alsoReplaying` (at most 5 more) worded their answers themselves, so only their
    /// calls are checked.
    private func recordedTests(of trace: Trace, program: TraceProgram, alsoReplaying others: [String]) throws -> [JSONValue] {
        let runs = RunStore(database: database)
        let followers = try TraceStore(database: database).successfulFollowers(of: trace.runID, limit: 9)
        let replayedOnly = others.filter { $0 != trace.runID && !followers.contains($0) }.prefix(5)
        var tests: [JSONValue] = []
        for id in [trace.runID] + followers + replayedOnly {
            guard let run = try runs.run(id: id) else { continue }
            let parameters = TaskSignature.parameters(of: run.task)
            guard parameters.map(\.kind) == program.parameterKinds else { continue }
            let calls = try runs.steps(runID: id).filter(\.isSuccessfulCall).map { step -> JSONValue in
                ["tool": .string(step.tool!), "arguments": step.arguments ?? .object([:]),
                 "result": ["status": "ok", "content": .string(step.result ?? step.resultExcerpt ?? "")]]
            }
            var test: JSONObject = [
                "name": .string("replays \(id): \(run.task.prefix(80))"),
                "input": .object(JSONObject(zip(program.parameterNames, parameters.map { JSONValue.string($0.value) }))),
                "calls": .array(calls),
            ]
            if !replayedOnly.contains(id) { test["expect"] = ["answer": .string(run.answer ?? "")] }
            tests.append(.object(test))
        }
        return tests
    }

    private func manifest(for program: TraceProgram, trace: Trace, name: String, version: String, tests: [JSONValue]) -> JSONValue {
        let names = program.parameterNames
        var properties = JSONObject()
        for (index, name) in names.enumerated() {
            properties[name] = ["type": "string", "description": .string("the \(Self.ordinal(index, of: program.parameterKinds)) \(program.parameterKinds[index].rawValue) in the task")]
        }
        var capabilities: JSONObject = ["tools": .array(program.tools.map(JSONValue.string)), "read": ["."], "write": ["."]]
        let commands = Self.commands(in: tests)
        if !commands.isEmpty { capabilities["commands"] = .array(commands.map(JSONValue.string)) }
        return [
            "name": .string(name),
            "version": .string(version),
            "description": .string("Does tasks of the shape \"\(program.signature)\" without a model: compiled by HOPE from trace \(trace.runID)."),
            "input": ["type": "object", "properties": .object(properties), "required": .array(names.map(JSONValue.string)),
                      "additionalProperties": false],
            "output": ["type": "object", "properties": ["answer": ["type": "string"]], "required": ["answer"]],
            "capabilities": .object(capabilities),
            "tests": .array(tests),
        ]
    }

    /// The programs the recorded calls ran (execute_command's first word, python3 for python_execute).
    private static func commands(in tests: [JSONValue]) -> [String] {
        var found: [String] = []
        for call in tests.flatMap({ $0["calls"]?.arrayValue ?? [] }) {
            let command: String?
            switch call["tool"]?.stringValue {
            case "execute_command": command = call["arguments"]?["command"]?.stringValue?.split(separator: " ").first.map(String.init)
            case "python_execute": command = "python3"
            default: command = nil
            }
            if let command, !found.contains(command) { found.append(command) }
        }
        return found
    }

    private static func ordinal(_ index: Int, of kinds: [TaskParameter.Kind]) -> String {
        let position = kinds[..<index].filter { $0 == kinds[index] }.count
        return ["first", "second", "third", "fourth", "fifth"].indices.contains(position) ? ["first", "second", "third", "fourth", "fifth"][position] : "next"
    }

    /// The names of modules made by HOPE start with this.
    public static let modulePrefix = "task_"

    /// "task_" + the signature's words (placeholders left out) + a short hash of the signature.
    static func moduleName(for signature: String) -> String {
        let words = signature.split(separator: " ").filter { !$0.hasPrefix("<") }
            .map { String($0.unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) }.map(Character.init)) }
            .filter { !$0.isEmpty }
        var stem = String(modulePrefix.dropLast())
        for word in words where stem.count + word.count + 1 <= 48 { stem += "_" + word }
        let hash = SHA256.hash(data: Data(signature.utf8)).prefix(3).map { String(format: "%02x", $0) }.joined()
        return stem + "_" + hash
    }
}
