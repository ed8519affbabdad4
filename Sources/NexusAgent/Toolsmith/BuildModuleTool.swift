public import NexusCore
public import NexusStore

/// `build_module`: the agent asks the toolsmith for a new tool, from a description and examples.
/// Only under a policy that grants it (`build_modules = true`), and only in runs of the default
/// org (a module serves every org). The module waits for approval unless the home's setting is
/// `auto`: the model choosing what every later run may call is a decision for a person.
public struct BuildModuleTool: Tool {
    /// Makes the toolsmith when a call needs one (it holds the gateway's backends).
    let toolsmith: @Sendable () throws -> Toolsmith
    let actsForHome: Bool

    public init(database: NexusDatabase, toolsmith: @escaping @Sendable () throws -> Toolsmith) {
        self.toolsmith = toolsmith
        self.actsForHome = database.org == .default
    }

    public var keywords: [String] { ["module", "tool", "build", "make", "create", "reusable"] }
    public var onlyObserves: Bool { false }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "build_module",
            description: """
                Build a new reusable tool (a Lua module) from a description and examples of its input and output. \
                It is written, tested and repaired for you; it can be called in later runs once installed.
                """,
            parameters: [
                "type": "object",
                "properties": [
                    "description": ["type": "string", "minLength": 1, "maxLength": 2000, "description": "What the tool does, in a sentence."],
                    "examples": ["type": "array", "minItems": 2, "maxItems": 40, "description": "Cases: {\"input\": {arguments}, \"output\": {result}}.",
                                 "items": ["type": "object", "properties": ["input": ["type": "object"], "output": ["type": "object"]],
                                           "required": ["input", "output"]]],
                    "name": ["type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$", "description": "The tool's name (optional)."],
                ],
                "required": ["description", "examples"],
                "additionalProperties": false,
            ])
    }

    public func isUsable(under policy: CapabilityPolicy) -> Bool { policy.allowsModuleBuilding && actsForHome }

    public func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        guard context.policy.allowsModuleBuilding else {
            return .refused("build_module is not allowed by this run's policy; the user can allow it with build_modules = true in the policy")
        }
        guard actsForHome else {
            return .refused("build_module makes a tool for every org on this server; only runs of the default org may build one")
        }
        let specification: ModuleSpecification
        do {
            specification = try ModuleSpecification(description: arguments["description"]?.stringValue ?? "",
                                                    examples: try ModuleSpecification.examples(from: arguments["examples"] ?? .null),
                                                    name: arguments["name"]?.stringValue)
        } catch let error as NexusError {
            return .error("build_module: \(error.message)")
        }
        let actor = context.runID.map { "run:\($0)" } ?? "agent"
        let outcome = try await toolsmith().build(specification, actor: actor)
        guard outcome.status == .validated, let module = outcome.module else {
            return .error("build_module built nothing in \(outcome.attempts) attempts: \(outcome.reason) (build \(outcome.buildID))")
        }
        let next = outcome.awaitingApproval ? "it waits for a person's approval (nexus modules approvals) before any run can call it"
            : "it is installed: later runs can call the tool \(specification.name)"
        return .ok("built \(module) in \(outcome.attempts) attempts (\(outcome.reason)); \(next)")
    }
}
