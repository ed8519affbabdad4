public import NexusCore

/// An installed module as a tool: the agent, the CLI and the API call it like a built-in. Each
/// call runs the version active at that moment, so an install or rollback is live for the next
/// call without a restart.
public struct ModuleTool: Tool {
    public let name: String
    public let definition: ToolDefinition
    let runtime: ModuleRuntime

    init(name: String, description: String, parameters: JSONValue, runtime: ModuleRuntime) {
        self.name = name
        self.definition = ToolDefinition(name: name, description: description, parameters: parameters)
        self.runtime = runtime
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        await runtime.runInstalled(name: name, input: arguments, context: context).toolResult
    }
}
