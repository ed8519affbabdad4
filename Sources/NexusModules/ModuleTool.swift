public import NexusCore

/// An installed module as a tool: the agent, the CLI and the API call it like a built-in. Each
/// call runs the version active at that moment, so an install or rollback is live for the next
/// call without a restart.
public struct ModuleTool: Tool {
    public let name: String
    public let definition: ToolDefinition
    /// Whether the module's declared capabilities let it only find things out (no writes,
    /// commands, network or databases; only observing tools).
    public let onlyObserves: Bool
    /// The JSON Schema of what a call returns (the manifest's `output`): MCP clients get it as the
    /// tool's output schema, and each result as structured content.
    public let outputSchema: JSONValue
    let runtime: ModuleRuntime

    init(name: String, description: String, parameters: JSONValue, outputSchema: JSONValue = [:], onlyObserves: Bool = false, runtime: ModuleRuntime) {
        self.name = name
        self.definition = ToolDefinition(name: name, description: description, parameters: parameters)
        self.outputSchema = outputSchema
        self.onlyObserves = onlyObserves
        self.runtime = runtime
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        await runtime.runInstalled(name: name, input: arguments, context: context).toolResult
    }
}
