public import Foundation
public import NexusAgent
public import NexusCore
public import NexusStore
public import NexusTools

/// Wires the agent: the database in `$NEXUS_HOME`, every built-in tool, and a backend.
public struct AgentFactory: Sendable {
    public let configuration: NexusConfiguration

    public init(configuration: NexusConfiguration) {
        self.configuration = configuration
    }

    /// The database at `$NEXUS_HOME/nexus.db`, created and migrated on first use.
    public func database() throws -> NexusDatabase {
        try NexusDatabase.open(at: configuration.home.appendingPathComponent("nexus.db"))
    }

    /// Every built-in tool, sharing `database` for memory, self-modification and statistics.
    public func tools(database: NexusDatabase) throws -> ToolRegistry {
        try ToolRegistry([
            FilesystemListTool(), FilesystemReadTool(), FilesystemWriteTool(), FilesystemReplaceTool(),
            FilesystemCopyTool(), FilesystemMoveTool(), FilesystemMakeFolderTool(), FilesystemSearchTool(),
            ExecuteCommandTool(), PythonExecuteTool(), WebFetchTool(),
            DatabaseQueryTool(),
            MemoryStoreTool(database: database), MemorySearchTool(database: database), SelfModifyTool(database: database),
        ])
    }

    /// A runner over `backend` with every built-in tool.
    public func runner(backend: any InferenceBackend, database: NexusDatabase, agent: AgentConfiguration) throws -> AgentRunner {
        AgentRunner(backend: backend, tools: try tools(database: database), database: database, configuration: agent)
    }
}
