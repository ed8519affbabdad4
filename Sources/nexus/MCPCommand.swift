import ArgumentParser
import Foundation
import MCP
import NexusAgent
import NexusCore
import NexusMCP
import NexusRuntime
import NexusTools

/// `nexus mcp`: Nexus as an MCP server over stdio, for a desktop client's configuration. Standard
/// output carries the protocol and nothing else; messages go to standard error.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp", abstract: "Serve Nexus's tools, modules and agent over MCP on stdin/stdout (for desktop MCP clients).",
        discussion: "Tools run under the default policy, a policy profile of $NEXUS_HOME/policies (--profile) or a policy file (--policy), plus the --allow-* flags. See docs/mcp.md.")

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "The folder tools work in (default: the current folder).") var workspace: String?
    @Option(help: "A policy profile of $NEXUS_HOME/policies, by name.") var profile: String?
    @Option(help: "A policy file (JSON or TOML); see docs/policy.md.") var policy: String?
    @OptionGroup var policyFlags: PolicyFlags
    @Flag(name: .customLong("no-agent"), help: "Do not offer agent_run (no model is loaded).") var noAgent = false
    @Option(help: "Most model turns of an agent_run.") var maxSteps: Int = 12

    func validate() throws {
        guard profile == nil || policy == nil else {
            throw NexusError(.invalidArgument, "give --profile or --policy, not both")
        }
    }

    func run() async throws {
        let configuration = NexusConfiguration()
        let factory = AgentFactory(configuration: configuration)
        let database = try factory.database()
        let folder = try workspaceFolder(workspace)
        let (base, profileName) = try basePolicy(home: configuration.home)
        let runPolicy = policyFlags.overrides.applied(to: base)
        var runAgent: (@Sendable (String) async throws -> MCPAgentRun)?
        if !noAgent {
            let backend = try await modelOptions.backend(for: .agent, database: database, load: false)
            var agent = AgentConfiguration(maxSteps: maxSteps)
            agent.hope = configuration.hope
            agent.looksAhead = true
            agent.writesProgramFirst = true
            agent.programCandidates = AgentConfiguration.defaultProgramCandidates
            let runner = try factory.runner(backend: backend, database: database, agent: agent)
            runAgent = { task in try await MCPAgentRun.following(runner.start(task: task, workspace: folder, policy: runPolicy)) }
        }
        let scope = MCPServingScope(tools: try factory.tools(database: database), policy: runPolicy, profileName: profileName,
                                    workspace: folder, database: database, ownerKeyID: nil, readScope: .all, runAgent: runAgent)
        let server = await NexusMCPServer.make(scope: scope, version: NexusVersion.nexus)
        try await server.start(transport: StdioTransport())
        await server.waitUntilCompleted()
    }

    /// The policy before the flags, and the name it goes by. The home's profiles are the server's,
    /// `policies/admin/` included: the local user administers the home.
    private func basePolicy(home: URL) throws -> (CapabilityPolicy, String) {
        if let policy { return (try PolicyFile.load(path: policy), URL(fileURLWithPath: policy).deletingPathExtension().lastPathComponent) }
        guard let profile else { return (.default, "default") }
        let profiles = PolicyProfiles(folder: home.appendingPathComponent("policies", isDirectory: true), includesAdminProfiles: true)
        return (try profiles.profile(named: profile), profile)
    }
}
