public import Foundation
import MCP
public import NexusCore
public import NexusStore

/// A tool of another MCP server, offered to the agent as `SERVER.TOOL`. Like any tool it goes
/// through the registry (schema check, output limit) and its calls are recorded as steps; the
/// policy must name the server (`mcp = ["SERVER"]`), else it is neither offered nor run.
public struct MCPRemoteTool: NexusCore.Tool {
    public let server: String
    public let remoteName: String
    public let definition: ToolDefinition
    public let onlyObserves: Bool
    let connection: MCPConnection

    init?(server: String, tool: MCP.Tool, connection: MCPConnection) {
        let name = "\(server).\(tool.name)"
        guard name.utf8.count <= 64 else { return nil }
        self.server = server
        self.remoteName = tool.name
        var parameters = JSONValue(mcp: tool.inputSchema)
        if parameters["type"] == nil, case .object(var object) = parameters {
            object["type"] = "object"
            parameters = .object(object)
        }
        self.definition = ToolDefinition(name: name, description: tool.description ?? tool.title ?? tool.name, parameters: parameters)
        self.onlyObserves = tool.annotations.readOnlyHint == true
        self.connection = connection
    }

    public func isUsable(under policy: CapabilityPolicy) -> Bool { policy.allowsMCPServer(server) }

    public func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        guard context.policy.allowsMCPServer(server) else {
            return .refused("the MCP server '\(server)' is not allowed by this run's policy; an operator allows it with mcp = [\"\(server)\"] or --allow-mcp \(server)")
        }
        return await connection.call(remoteName, arguments: arguments, within: context.policy.limits.wallSeconds)
    }
}

/// The MCP servers of `$NEXUS_HOME/mcp.json` that a policy allows, started and listed for a run.
public final class MCPClientTools: Sendable {
    public let tools: [any NexusCore.Tool]
    /// Servers that could not be used, one line each, for the user to read.
    public let problems: [String]
    private let connections: [MCPConnection]

    private init(tools: [any NexusCore.Tool], problems: [String], connections: [MCPConnection]) {
        self.tools = tools
        self.problems = problems
        self.connections = connections
    }

    /// Starts the servers `policy` names and lists their tools. A server that fails is left out
    /// and reported in ``problems``; it never stops the run.
    /// - Throws: `NexusError(.invalidArgument)` when `mcp.json` is malformed, or the policy names a
    ///   server that is not in it.
    /// - Parameter credentials: The stored secrets a server's `${credential:NAME}` reads.
    public static func start(home: URL, policy: CapabilityPolicy, credentials: CredentialStore? = nil,
                             startSeconds: Double = 30) async throws -> MCPClientTools {
        let wanted = policy.mcpServers ?? []
        guard !wanted.isEmpty else { return MCPClientTools(tools: [], problems: [], connections: []) }
        let entries = try MCPServersFile.load(home: home)
        if let missing = wanted.first(where: { name in !entries.contains { $0.name == name } }) {
            let known = entries.map(\.name)
            throw NexusError(.invalidArgument, "the policy allows the MCP server '\(missing)', but \(MCPServersFile.url(home: home).path) does not list it (it lists: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
        }
        var tools: [any NexusCore.Tool] = []
        var problems: [String] = []
        var connections: [MCPConnection] = []
        for entry in entries where wanted.contains(entry.name) {
            let connection = MCPConnection(entry: entry, logFolder: home.appendingPathComponent("logs", isDirectory: true),
                                           credential: { [name = entry.name] credential in try credentials?.use(credential, for: "MCP server \(name)") })
            connections.append(connection)
            do {
                let listed = try await connection.tools(within: startSeconds)
                for tool in listed {
                    if let remote = MCPRemoteTool(server: entry.name, tool: tool, connection: connection) {
                        tools.append(remote)
                    } else {
                        problems.append("the tool \(entry.name).\(tool.name) is left out: its name is longer than 64 characters")
                    }
                }
            } catch let error as NexusError {
                problems.append(error.message)
            }
        }
        return MCPClientTools(tools: tools, problems: problems, connections: connections)
    }

    /// Stops every server started for the run.
    public func stop() async {
        for connection in connections { await connection.stop() }
    }
}
