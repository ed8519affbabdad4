public import NexusCore
public import NexusStore

/// Builds and their attempts as the command line's `--json` and the API show them.
public enum ModuleBuildJSON {
    public static func summary(_ build: ModuleBuild) -> JSONValue {
        var object: JSONObject = [
            "id": .string(build.id), "name": .string(build.name), "description": .string(build.description),
            "status": .string(build.status.rawValue), "reason": .string(build.reason), "requested_by": .string(build.requestedBy),
            "started_at": .string(build.startedAt.ISO8601Format()),
        ]
        if let module = build.moduleID { object["module_id"] = .string(module) }
        if let finished = build.finishedAt { object["finished_at"] = .string(finished.ISO8601Format()) }
        return .object(object)
    }

    /// The build with its visible examples, the number held out (never their values), and every attempt.
    public static func detail(_ build: ModuleBuild, _ attempts: [ModuleBuildAttempt]) -> JSONValue {
        var object = summary(build).objectValue ?? [:]
        object["examples"] = build.examples
        object["held_out"] = .number(Double(build.heldOut.arrayValue?.count ?? 0))
        object["attempts"] = .array(attempts.map { attempt in
            [
                "number": .number(Double(attempt.number)), "purpose": .string(attempt.purpose), "prompt": .string(attempt.prompt),
                "output": .string(attempt.output), "report": attempt.report, "fingerprint": .string(attempt.fingerprint),
                "passed_checks": .number(Double(attempt.passedChecks)), "prompt_tokens": .number(Double(attempt.promptTokens)),
                "completion_tokens": .number(Double(attempt.completionTokens)), "seconds": .number((attempt.seconds * 1000).rounded() / 1000),
            ]
        })
        return .object(object)
    }
}
