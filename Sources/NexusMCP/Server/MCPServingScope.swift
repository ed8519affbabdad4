public import Foundation
public import NexusCore
public import NexusStore
public import NexusTools
public import NexusAgent

/// Everything one MCP session may reach, fixed when the session starts: the tools under one
/// policy profile, the folder they work in, whose runs it may read, and how it starts an agent run.
///
/// `nexus mcp` builds one for the local user (every run of the home, the workspace it was started
/// in); `nexus serve` builds one per API key at `/mcp`, bounded by that key's role as
/// `POST /v1/agent/runs` is.
public struct MCPServingScope: Sendable {
    /// The built-in tools and installed modules; only those usable under `policy` are listed.
    public var tools: ToolRegistry
    public var policy: CapabilityPolicy
    /// The policy profile's name, for the record and messages.
    public var profileName: String
    /// The folder relative paths resolve in.
    public var workspace: URL
    public var database: NexusDatabase
    /// The key the session's calls and runs belong to; nil for the local user of `nexus mcp`.
    public var ownerKeyID: String?
    /// Whose runs and traces the session may read as resources.
    public var readScope: RunScope
    /// Starts an agent run on a task and returns when it ends; nil where no model is served (then
    /// `agent_run` is not offered).
    public var runAgent: (@Sendable (String) async throws -> MCPAgentRun)?

    public init(tools: ToolRegistry, policy: CapabilityPolicy, profileName: String, workspace: URL, database: NexusDatabase,
                ownerKeyID: String?, readScope: RunScope, runAgent: (@Sendable (String) async throws -> MCPAgentRun)?) {
        self.tools = tools
        self.policy = policy
        self.profileName = profileName
        self.workspace = workspace
        self.database = database
        self.ownerKeyID = ownerKeyID
        self.readScope = readScope
        self.runAgent = runAgent
    }
}

/// How an agent run started through MCP ended.
public struct MCPAgentRun: Sendable, Hashable {
    public var runID: String
    public var status: RunStatus
    public var outcome: RunOutcome
    public var answer: String

    public init(runID: String, status: RunStatus, outcome: RunOutcome, answer: String) {
        self.runID = runID
        self.status = status
        self.outcome = outcome
        self.answer = answer
    }
}

extension MCPAgentRun {
    /// Follows a run's events to its end.
    /// - Throws: What the run's stream throws; `NexusError(.inferenceFailed)` when it ends without a summary.
    public static func following(_ events: AsyncThrowingStream<AgentEvent, any Error>) async throws -> MCPAgentRun {
        for try await event in events {
            if case .finished(let summary) = event {
                return MCPAgentRun(runID: summary.id, status: summary.status, outcome: summary.outcome, answer: summary.answer)
            }
        }
        throw NexusError(.inferenceFailed, "the agent run ended without an answer")
    }
}
