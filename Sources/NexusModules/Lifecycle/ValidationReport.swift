public import NexusCore

/// The merged report of validating one module version: manifest checks, static checks of the
/// code, and the module's own test cases run in the sandbox, each with a hint for fixing it.
public struct ValidationReport: Sendable {
    /// One check and its outcome.
    public struct Check: Sendable {
        /// "manifest", "static" or "test".
        public var stage: String
        public var name: String
        public var passed: Bool
        public var message: String
        /// How to fix it, when it failed.
        public var hint: String?
        /// What kind of failure, for a failed check: `manifest`, `compile`, `static`, `forbidden`
        /// (a call or credential the module may not use), `runtime`, `limit`, `bad_result`,
        /// `wrong_output`, `crashed`.
        public var kind: String?
        /// Seconds, VM instructions and peak bytes, for test cases.
        public var seconds: Double?
        public var instructions: Int?
        public var peakMemory: Int?
    }

    public var moduleID: String
    public var name: String
    public var version: String
    public var checks: [Check] = []

    public var passed: Bool { !checks.isEmpty && checks.allSatisfy(\.passed) }
    public var failures: [Check] { checks.filter { !$0.passed } }

    /// The report as stored and signed (its digest goes into the promoted version's attestation).
    public var json: JSONValue {
        .object([
            "module": .string(moduleID), "name": .string(name), "version": .string(version), "passed": .bool(passed),
            "checks": .array(checks.map { check in
                var object: JSONObject = ["stage": .string(check.stage), "name": .string(check.name), "passed": .bool(check.passed),
                                          "message": .string(check.message)]
                if let hint = check.hint { object["hint"] = .string(hint) }
                if let kind = check.kind, !check.passed { object["kind"] = .string(kind) }
                if let seconds = check.seconds { object["seconds"] = .number((seconds * 1000).rounded() / 1000) }
                if let instructions = check.instructions { object["instructions"] = .number(Double(instructions)) }
                if let peakMemory = check.peakMemory { object["peak_memory"] = .number(Double(peakMemory)) }
                return .object(object)
            }),
        ])
    }

    mutating func add(_ stage: String, _ name: String, passed: Bool, _ message: String, hint: String? = nil, kind: String? = nil) {
        checks.append(Check(stage: stage, name: name, passed: passed, message: message, hint: passed ? nil : hint,
                            kind: passed ? nil : kind ?? (stage == "manifest" ? "manifest" : stage)))
    }
}
