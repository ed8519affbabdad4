import Foundation
import MCP
import NexusCore
import NexusModules
import NexusTools

/// The tools a session lists and calls: the built-in tools and installed modules usable under the
/// session's policy, and `agent_run` where a model is served. A call goes through the same
/// registry as the agent's (schema check, policy, output limit) and is recorded as a run.
struct MCPToolCatalog: Sendable {
    static let agentToolName = "agent_run"

    let scope: MCPServingScope

    /// The tools as MCP lists them.
    func list() -> [MCP.Tool] {
        var listed = scope.tools.definitions(usableUnder: scope.policy).map(tool(for:))
        if scope.runAgent != nil { listed.append(Self.agentTool) }
        return listed
    }

    private func tool(for definition: ToolDefinition) -> MCP.Tool {
        let observes = scope.tools.onlyObserves(definition.name)
        let output = (scope.tools.tool(named: definition.name) as? ModuleTool).map { StructuredOutput(schema: $0.outputSchema) }
        return MCP.Tool(name: definition.name, description: definition.description, inputSchema: definition.parameters.mcpValue,
                        annotations: .init(readOnlyHint: observes, destructiveHint: observes ? nil : true),
                        outputSchema: output?.objectSchema.mcpValue)
    }

    static let agentTool = MCP.Tool(
        name: agentToolName,
        description: "Work a task to the end with Nexus's agent (its model, tools and policy) and return the answer with the run's id.",
        inputSchema: ([
            "type": "object",
            "properties": ["task": ["type": "string", "description": "What the agent should do, in words."]],
            "required": ["task"],
        ] as JSONValue).mcpValue,
        annotations: .init(readOnlyHint: false, destructiveHint: true, openWorldHint: false),
        outputSchema: ([
            "type": "object",
            "properties": ["run_id": ["type": "string"], "status": ["type": "string"], "outcome": ["type": "string"], "answer": ["type": "string"]],
            "required": ["run_id", "status", "outcome", "answer"],
        ] as JSONValue).mcpValue)

    /// Runs one call. A call to a tool the session does not list is a protocol error (as MCP
    /// says); everything else, refusals included, is a result the client's model can act on.
    func call(_ parameters: CallTool.Parameters) async throws -> CallTool.Result {
        let arguments = JSONValue(mcpArguments: parameters.arguments)
        if parameters.name == Self.agentToolName, let runAgent = scope.runAgent {
            return try await runAgentTool(arguments, runAgent)
        }
        let offered = scope.tools.definitions(usableUnder: scope.policy).map(\.name)
        guard offered.contains(parameters.name) else {
            let names = offered + (scope.runAgent == nil ? [] : [Self.agentToolName])
            throw MCPError.invalidParams("unknown tool '\(parameters.name)' under the policy profile '\(scope.profileName)'; this server offers: \(names.joined(separator: ", "))")
        }
        let started = Date()
        let context = ToolContext(workspace: scope.workspace, policy: scope.policy)
        let outcome = await scope.tools.call(ToolCall(id: "mcp", name: parameters.name, arguments: arguments), context: context)
        let runID = try await MCPCallRecorder(scope: scope)
            .record(tool: parameters.name, arguments: arguments, result: outcome.result, seconds: outcome.duration, started: started)
        return try result(of: outcome.result, tool: parameters.name, runID: runID)
    }

    private func result(of result: ToolResult, tool: String, runID: String) throws -> CallTool.Result {
        let meta = Metadata(additionalFields: ["nexus/run_id": .string(runID)])
        switch result.status {
        case .ok:
            let structured = (scope.tools.tool(named: tool) as? ModuleTool).flatMap { module in
                (try? JSONValue.parse(result.content)).map { StructuredOutput(schema: module.outputSchema).content(for: $0) }
            }
            return try CallTool.Result(content: [.text(text: result.content, annotations: nil, _meta: nil)],
                                       structuredContent: structured?.mcpValue, isError: false, _meta: meta)
        case .error:
            return CallTool.Result(content: [.text(text: result.content, annotations: nil, _meta: nil)], isError: true, _meta: meta)
        case .refused:
            return CallTool.Result(content: [.text(text: "refused by the policy profile '\(scope.profileName)': \(result.content)", annotations: nil, _meta: nil)],
                                   isError: true, _meta: meta)
        }
    }

    private func runAgentTool(_ arguments: JSONValue, _ runAgent: @Sendable (String) async throws -> MCPAgentRun) async throws -> CallTool.Result {
        guard let task = arguments["task"]?.stringValue, !task.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return CallTool.Result(content: [.text(text: "agent_run needs 'task', a non-empty string saying what the agent should do", annotations: nil, _meta: nil)],
                                   isError: true)
        }
        let run: MCPAgentRun
        do {
            run = try await runAgent(task)
        } catch let error as NexusError {
            return CallTool.Result(content: [.text(text: "the agent run could not start: \(error.message)", annotations: nil, _meta: nil)], isError: true)
        }
        let structured: JSONValue = [
            "run_id": .string(run.runID), "status": .string(run.status.rawValue), "outcome": .string(run.outcome.rawValue), "answer": .string(run.answer),
        ]
        let text = "\(run.answer)\n\n(run \(run.runID): \(run.status.rawValue), outcome \(run.outcome.rawValue))"
        return try CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], structuredContent: structured.mcpValue,
                               isError: run.status != .completed, _meta: Metadata(additionalFields: ["nexus/run_id": .string(run.runID)]))
    }
}

/// A module's output schema as MCP wants it: an object. A module that returns something else
/// (a number, a list) has its value under `result`, as other MCP servers wrap theirs.
struct StructuredOutput: Sendable {
    let schema: JSONValue

    private var isObject: Bool { schema["type"]?.stringValue == "object" }

    var objectSchema: JSONValue {
        if isObject { return schema }
        return ["type": "object", "properties": ["result": schema], "required": ["result"]]
    }

    func content(for value: JSONValue) -> JSONValue {
        isObject && value.objectValue != nil ? value : ["result": value]
    }
}
