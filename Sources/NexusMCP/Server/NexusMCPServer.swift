public import MCP

/// Nexus as an MCP server: one `Server` per session, over stdio (`nexus mcp`) or Streamable HTTP
/// (`/mcp` in `nexus serve`), answering tools and resources within the session's scope.
public enum NexusMCPServer {
    /// A server for one session, its handlers registered; start it on a transport.
    /// - Parameters:
    ///   - scope: What the session may reach.
    ///   - version: Nexus's version, as the server reports it.
    public static func make(scope: MCPServingScope, version: String) async -> Server {
        let instructions = "Nexus's tools run under the policy profile '\(scope.profileName)'; calls outside it come back refused. agent_run hands a whole task to Nexus's agent. Runs and traces are resources (nexus://runs/ID, nexus://traces/ID)."
        let capabilities = Server.Capabilities(resources: .init(subscribe: false, listChanged: false), tools: .init(listChanged: false))
        let server = Server(name: "nexus", version: version, title: "Nexus", instructions: instructions, capabilities: capabilities)
        let tools = MCPToolCatalog(scope: scope)
        let resources = MCPRunResources(scope: scope)
        await server.withMethodHandler(ServerDiscover.self) { _ in
            .init(supportedVersions: ServerDiscover.supportedVersions, capabilities: capabilities,
                  serverInfo: .init(name: "nexus", version: version, title: "Nexus"), instructions: instructions)
        }
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: tools.list()) }
        await server.withMethodHandler(CallTool.self) { parameters in try await tools.call(parameters) }
        await server.withMethodHandler(ListResources.self) { _ in .init(resources: try await resources.list()) }
        await server.withMethodHandler(ListResourceTemplates.self) { _ in .init(templates: MCPRunResources.templates) }
        await server.withMethodHandler(ReadResource.self) { parameters in .init(contents: try await resources.read(parameters.uri)) }
        return server
    }
}
