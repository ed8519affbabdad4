public import Foundation
public import NexusCore
public import NexusModules
public import NexusStore

/// Turns a description and examples into a validated module in a bounded loop: the `build`
/// model writes code and tests, the module validator runs them in the sandbox, and the merged
/// report goes to the `repair` model. At most ``maxAttempts`` attempts in all:
/// - a failure whose fingerprint (``FailureFingerprint``) repeats without progress ends that line
///   of repair, and so do two repairs in a row that pass no more checks than the line's best:
///   the next attempt starts fresh from the description;
/// - a terminal failure (a call or credential the module may not use) ends the build at once;
/// - a module that passes its tests must also pass the held-out examples, which no prompt shows.
///
/// Every attempt is stored (``ModuleBuildStore``); the accepted module is a validated draft
/// that waits for approval or is promoted and installed, as ``approval`` says.
public struct Toolsmith: Sendable {
    /// The `build` purpose: writes a module from the description.
    public var builder: any InferenceBackend
    /// The `repair` purpose: fixes a module from its report.
    public var repairer: any InferenceBackend
    public var lifecycle: ModuleLifecycle
    public var database: NexusDatabase
    public var approval = ModuleApprovalMode.auto
    public var maxAttempts = 10
    /// The times one failure may come back, across lines of repair, before the build stops.
    static let thrashing = 4
    /// Tokens one answer may take.
    public var maxAnswerTokens = 700

    public init(builder: any InferenceBackend, repairer: any InferenceBackend, lifecycle: ModuleLifecycle, database: NexusDatabase) {
        self.builder = builder
        self.repairer = repairer
        self.lifecycle = lifecycle
        self.database = database
    }

    /// How a build ended.
    public struct Outcome: Sendable {
        public var buildID: String
        public var status: ModuleBuild.Status
        public var reason: String
        /// `NAME@VERSION` of the accepted module.
        public var module: String?
        public var moduleID: String?
        public var awaitingApproval = false
        public var attempts: Int
        public var promptTokens = 0
        public var completionTokens = 0
        /// Attempts that ended a line of repair because their failure repeated.
        public var repeatedFingerprints = 0
        public var seconds = 0.0
    }

    /// Builds the module `specification` describes.
    /// - Parameter onAttempt: Called after each attempt is stored (for progress output).
    /// - Throws: `NexusError(.invalidArgument)` for a built-in tool's name; `NexusError` when the
    ///   store cannot record the build; a model or budget failure
    ///   ends the build as `failed` with its message instead.
    /// - Parameter onStart: Called with the build's id once it is recorded.
    public func build(_ specification: ModuleSpecification, actor: String, onStart: @Sendable (String) -> Void = { _ in },
                      onAttempt: @Sendable (ModuleBuildAttempt) -> Void = { _ in }) async throws -> Outcome {
        // Refused before any model is asked: every attempt would fail the manifest's name check alike.
        guard !lifecycle.isBuiltInTool(specification.name) else {
            throw NexusError(.invalidArgument, "'\(specification.name)' is the name of a built-in tool; give the module another name")
        }
        let store = ModuleBuildStore(database: database)
        let buildID = "build_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let started = Date()
        try store.start(ModuleBuild(id: String(buildID), name: specification.name, description: specification.description,
                                    examples: .array(specification.visible.map(\.json)), heldOut: .array(specification.heldOut.map(\.json)),
                                    requestedBy: actor))
        onStart(String(buildID))
        var loop = RepairLine()
        var outcome = Outcome(buildID: String(buildID), status: .failed, reason: "", attempts: 0)
        var fingerprintCounts: [String: Int] = [:]
        defer { outcome.seconds = Date().timeIntervalSince(started) }
        while outcome.attempts < maxAttempts {
            outcome.attempts += 1
            let purpose = loop.last == nil ? "build" : "repair"
            let messages = loop.last.map { ToolsmithPrompt.repair(specification, code: $0.code, failures: $0.failures) }
                ?? ToolsmithPrompt.build(specification)
            let answer: GenerationResult
            do {
                answer = try await (purpose == "build" ? builder : repairer).complete(request(messages, attempt: outcome.attempts, fresh: purpose == "build"))
            } catch let error as NexusError {
                outcome.reason = "the \(purpose) model failed on attempt \(outcome.attempts): \(error.message)"
                break
            } catch {
                outcome.reason = "the build was cancelled during attempt \(outcome.attempts)"
                break
            }
            outcome.promptTokens += answer.usage.promptTokens
            outcome.completionTokens += answer.usage.completionTokens
            let judged = await judge(answer.text, specification, version: try lifecycle.nextVersion(of: specification.name))
            let attempt = ModuleBuildAttempt(number: outcome.attempts, purpose: purpose, prompt: Self.transcript(messages), output: answer.text,
                                             report: judged.reportJSON, fingerprint: judged.fingerprint, passedChecks: judged.passed,
                                             promptTokens: answer.usage.promptTokens, completionTokens: answer.usage.completionTokens,
                                             seconds: answer.usage.promptSeconds + answer.usage.generationSeconds)
            try store.add(attempt, to: outcome.buildID)
            onAttempt(attempt)
            if let accepted = judged.accepted {
                try await accept(accepted, specification, actor: actor, into: &outcome)
                break
            }
            if let terminal = judged.terminal {
                outcome.reason = "attempt \(outcome.attempts) used what a built module may not: \(terminal); the build stops"
                break
            }
            fingerprintCounts[judged.fingerprint, default: 0] += 1
            if fingerprintCounts[judged.fingerprint, default: 0] >= Self.thrashing {
                outcome.repeatedFingerprints += 1
                outcome.reason = "the same failure came back \(fingerprintCounts[judged.fingerprint]!) times (\(judged.fingerprint)); the build stops"
                break
            }
            if loop.takes(judged) == .repeated { outcome.repeatedFingerprints += 1 }
        }
        if outcome.status != .validated && outcome.reason.isEmpty {
            outcome.reason = "no module passed its tests and the held-out examples within \(maxAttempts) attempts; the last failure: \(loop.lastFailure)"
        }
        try store.finish(outcome.buildID, status: outcome.status, reason: outcome.reason, moduleID: outcome.moduleID)
        return outcome
    }

    private func request(_ messages: [ChatMessage], attempt: Int, fresh: Bool) -> GenerationRequest {
        // The first build is greedy; later fresh builds sample, or they would write the same code again.
        let sampling = attempt == 1 ? SamplingParameters.greedy
            : SamplingParameters(temperature: fresh ? 1.0 : 0.6, minP: 0.02, seed: UInt32(attempt))
        return GenerationRequest(prompt: .chat(messages), sampling: sampling, maxTokens: maxAnswerTokens, grammar: ToolsmithPrompt.grammar)
    }

    /// The accepted module becomes a validated draft, then waits for approval or is installed.
    private func accept(_ module: (manifest: JSONValue, code: String), _ specification: ModuleSpecification, actor: String,
                        into outcome: inout Outcome) async throws {
        let draft = try lifecycle.createDraft(manifest: module.manifest, code: module.code, actor: actor).record
        let report = try await lifecycle.validate("nexus://\(draft.id)")
        guard report.passed else {
            outcome.reason = "the accepted module failed its validation as a draft: \(ToolsmithPrompt.failures(of: report).joined(separator: "; "))"
            return
        }
        outcome.moduleID = draft.id
        outcome.module = "\(draft.name)@\(draft.version)"
        outcome.status = .validated
        outcome.reason = "passed its \(specification.visible.count) examples and \(specification.heldOut.count) held out"
        let approvals = ModuleApprovalStore(database: database)
        if try approvals.mode(fallback: approval) == .required {
            try approvals.request(ModuleApproval(draftID: draft.id, name: draft.name, version: draft.version, traceRunID: nil, requestedBy: actor))
            outcome.awaitingApproval = true
            return
        }
        let promoted = try lifecycle.promote("nexus://\(draft.id)", actor: actor)
        try lifecycle.install("nexus://\(promoted.id)", actor: actor)
        outcome.moduleID = promoted.id
    }

    /// One answer judged: its module's report, and whether it is accepted or must stop the build.
    struct Judgement {
        var reportJSON: JSONValue
        var fingerprint: String
        var passed: Int
        var failures: [String]
        var code: String
        var accepted: (manifest: JSONValue, code: String)?
        var terminal: String?

        /// An answer that failed before validation could run: its one check, of `kind`.
        static func failedBefore(stage: String, kind: String, _ error: any Error, code: String) -> Judgement {
            let message = (error as? NexusError)?.message ?? "\(error)"
            return Judgement(reportJSON: ["passed": false, "checks": [["stage": .string(stage), "passed": false, "kind": .string(kind),
                                                                       "message": .string(message)]]],
                             fingerprint: "\(kind)|" + FailureFingerprint.normalized(message) + "|", passed: 0, failures: [message],
                             code: code, accepted: nil, terminal: nil)
        }
    }

    private func judge(_ answer: String, _ specification: ModuleSpecification, version: String) async -> Judgement {
        let written: (code: String, tests: [(input: JSONObject, expect: JSONValue)])
        do {
            written = try ToolsmithPrompt.read(answer)
        } catch {
            return .failedBefore(stage: "answer", kind: "format", error, code: answer)
        }
        let tests = specification.visible.enumerated().map { index, example in
            Self.test("example_\(index + 1)", example.input, example.output)
        } + written.tests.filter { test in !specification.visible.contains { $0.input == test.input } }.enumerated().map { index, test in
            Self.test("own_\(index + 1)", test.input, test.expect)
        }
        let manifest = manifest(specification, version: version, tests: tests)
        let report: ValidationReport
        do {
            report = try await lifecycle.trial(manifest: manifest, code: written.code)
        } catch {
            return .failedBefore(stage: "manifest", kind: "manifest", error, code: written.code)
        }
        var inputs: [String: JSONObject] = [:]
        for test in tests { if let name = test["name"]?.stringValue, let input = test["input"]?.objectValue { inputs[name] = input } }
        var judgement = Judgement(reportJSON: report.json, fingerprint: FailureFingerprint.of(report), passed: report.checks.filter(\.passed).count,
                                  failures: ToolsmithPrompt.failures(of: report, inputs: inputs, code: written.code), code: written.code)
        if let forbidden = report.failures.first(where: { $0.kind == "forbidden" }) {
            judgement.terminal = forbidden.message
            return judgement
        }
        guard report.passed else { return judgement }
        // Held out: the examples no prompt showed. The repair hears only that it is too narrow.
        let heldOutTests = specification.heldOut.enumerated().map { index, example in
            Self.test("held_out_\(index + 1)", example.input, example.output)
        }
        let heldOut = try? await lifecycle.trial(manifest: self.manifest(specification, version: version, tests: heldOutTests), code: written.code)
        if let heldOut, heldOut.passed {
            judgement.accepted = (manifest, written.code)
            return judgement
        }
        let failed = heldOut?.failures.count ?? heldOutTests.count
        judgement.fingerprint = "held_out|\(failed)|"
        judgement.failures = ["the module passes the examples but fails \(failed) of \(heldOutTests.count) other cases of the same task (not shown): "
                              + "it must do what the description says for any input, not only the examples"]
        var json = report.json.objectValue ?? [:]
        json["held_out"] = ["passed": false, "failed": .number(Double(failed)), "of": .number(Double(heldOutTests.count))]
        judgement.reportJSON = .object(json)
        return judgement
    }

    private func manifest(_ specification: ModuleSpecification, version: String, tests: [JSONValue]) -> JSONValue {
        [
            "name": .string(specification.name), "version": .string(version), "description": .string(specification.description),
            "input": specification.inputSchema, "output": ["type": "object"], "capabilities": .object([:]),
            "tests": .array(tests),
        ]
    }

    private static func test(_ name: String, _ input: JSONObject, _ expect: JSONValue) -> JSONValue {
        ["name": .string(name), "input": .object(input), "expect": expect]
    }

    private static func transcript(_ messages: [ChatMessage]) -> String {
        messages.map { "[\($0.role.rawValue)]\n\($0.content)" }.joined(separator: "\n\n")
    }
}

/// The current line of repair: its best result so far, and whether the next attempt should
/// repair the last one or start fresh.
struct RepairLine {
    enum Step { case repair, fresh, repeated }

    /// The attempt a repair would start from; nil starts fresh.
    private(set) var last: (code: String, failures: [String])?
    private var best = -1
    private var previousPassed = -1
    private var repairsWithoutProgress = 0
    private var fingerprints: Set<String> = []
    private(set) var lastFailure = ""

    mutating func takes(_ judgement: Toolsmith.Judgement) -> Step {
        lastFailure = judgement.failures.first ?? judgement.fingerprint
        let isRepair = last != nil
        let repeated = fingerprints.contains(judgement.fingerprint) && judgement.passed <= previousPassed
        if isRepair {
            repairsWithoutProgress = judgement.passed > best ? 0 : repairsWithoutProgress + 1
        }
        best = max(best, judgement.passed)
        previousPassed = judgement.passed
        fingerprints.insert(judgement.fingerprint)
        if repeated || repairsWithoutProgress >= 2 {
            self = RepairLine(lastFailure: lastFailure)
            return repeated ? .repeated : .fresh
        }
        last = (judgement.code, judgement.failures)
        return .repair
    }

    init() {}

    private init(lastFailure: String) {
        self.lastFailure = lastFailure
    }
}
