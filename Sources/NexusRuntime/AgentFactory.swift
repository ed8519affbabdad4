public import Foundation
public import NexusAgent
public import NexusCore
public import NexusInference
public import NexusModules
import NexusServer
public import NexusStore
public import NexusTools

/// Wires the agent: the database in `$NEXUS_HOME`, every built-in tool, the installed modules,
/// the signed ledger, and a backend.
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
    /// Self-modifications are signed into the ledger whose key is in `home` (by default
    /// `$NEXUS_HOME`; module validation passes a throwaway one).
    public func builtInTools(database: NexusDatabase, home: URL? = nil) throws -> ToolRegistry {
        try ToolRegistry([
            FilesystemListTool(), FilesystemReadTool(), FilesystemWriteTool(), FilesystemReplaceTool(),
            FilesystemCopyTool(), FilesystemMoveTool(), FilesystemDeleteTool(), FilesystemMakeFolderTool(), FilesystemSearchTool(),
            ExecuteCommandTool(), PythonExecuteTool(), WebFetchTool(),
            DatabaseQueryTool(),
            MemoryStoreTool(database: database), MemorySearchTool(database: database),
            SelfModifyTool(database: database, recorder: Ledger(database: database, home: home ?? configuration.home)),
        ])
    }

    /// Every built-in tool and every installed module (each running its active version), with
    /// `extraTools` (another MCP server's tools) beside them, reachable from modules too.
    public func tools(database: NexusDatabase, extraTools: [any Tool] = []) throws -> ToolRegistry {
        let runtime = try moduleRuntime(database: database, extraTools: extraTools)
        return try runtime.tools.adding(try runtime.installedTools())
    }

    /// The signed ledger, its key in `$NEXUS_HOME/keys`.
    public func ledger(database: NexusDatabase) -> Ledger {
        Ledger(database: database, home: configuration.home)
    }

    /// The stored secrets of `$NEXUS_HOME` (`nexus credentials`).
    public func credentials(database: NexusDatabase) -> CredentialStore {
        CredentialStore(database: database, home: configuration.home, audit: audit(database: database))
    }

    /// The audit log of `$NEXUS_HOME`, its head signed with the ledger's key.
    public func audit(database: NexusDatabase) -> AuditLog {
        ledger(database: database).auditLog()
    }

    /// The module sandbox, with the built-in tools (and `extraTools`) for `nexus.call` and the
    /// environment for credentials.
    public func moduleRuntime(database: NexusDatabase, extraTools: [any Tool] = []) throws -> ModuleRuntime {
        ModuleRuntime(database: database, tools: try builtInTools(database: database).adding(extraTools), environment: configuration.environment,
                      toolsForHome: { [self] scratchDatabase, scratchHome in try builtInTools(database: scratchDatabase, home: scratchHome) },
                      credentials: credentials(database: database))
    }

    /// The module lifecycle: drafts, validation, promotion, installs, rollbacks.
    public func moduleLifecycle(database: NexusDatabase) throws -> ModuleLifecycle {
        ModuleLifecycle(runtime: try moduleRuntime(database: database), ledger: ledger(database: database))
    }

    /// A runner over `backend` with every built-in tool, `agent` narrowed or tuned by the agent's
    /// own signed settings (``AgentConfiguration/applyingSignedSettings(database:home:)``).
    /// `extraTools` join them (another MCP server's tools, started for the run).
    public func runner(backend: any InferenceBackend, database: NexusDatabase, agent: AgentConfiguration,
                       extraTools: [any Tool] = []) throws -> AgentRunner {
        // build_module joins the run's tools, not the module sandbox's: a module never builds modules.
        let build = BuildModuleTool(database: database) { [self] in try toolsmith(database: database, fallbackApproval: .required) }
        return AgentRunner(backend: backend, tools: try tools(database: database, extraTools: extraTools).adding([build]), database: database,
                    configuration: try agent.applyingSignedSettings(database: database, home: configuration.home),
                    ledgerHome: configuration.home)
    }

    /// The toolsmith over the gateway's build and repair purposes (or `model` for both), its
    /// modules approved as the org's setting says, else as `fallbackApproval`.
    public func toolsmith(database: NexusDatabase, model: String? = nil, fallbackApproval: ModuleApprovalMode) throws -> Toolsmith {
        let gateway = try gateway(database: database, model: model)
        var toolsmith = Toolsmith(builder: gateway.backend(for: .build, org: database.org.rawValue),
                                  repairer: gateway.backend(for: .repair, org: database.org.rawValue),
                                  lifecycle: try moduleLifecycle(database: database), database: database)
        toolsmith.approval = try ModuleApprovalStore(database: database).mode(fallback: fallbackApproval)
        return toolsmith
    }

    /// The gateway of `$NEXUS_HOME/gateway.json` (or `model` for every purpose), its routes'
    /// credentials read from `database`'s store.
    /// Its calls are journaled in `database`, so budgets hold from one command to the next.
    public func gateway(database: NexusDatabase, model: String? = nil) throws -> Gateway {
        let credentials = credentials(database: database)
        // `gateway:PURPOSE` as the one model would route the gateway to itself: the file's routes serve instead.
        let model = model.flatMap { GatewayPurpose(routing: $0) == nil ? $0 : nil }
        return try BackendFactory(configuration: configuration).gateway(defaultModel: model, credentials: { try credentials.value(of: $0) },
                                                                        journal: StoredGatewayJournal(database: database))
    }

    /// Whether `$NEXUS_HOME/gateway.json` exists: then a command that names no model takes its purpose's routes.
    public var hasGatewayFile: Bool {
        GatewayConfiguration.exists(home: configuration.home)
    }

    /// The purpose a command's generation is routed by: the one `model` names when it is
    /// `gateway:PURPOSE`; the command's own `purpose` when it names no model and gateway.json
    /// exists; nil when the model itself serves.
    /// - Throws: `NexusError(.invalidArgument)` for `gateway:` with no such purpose.
    public func routedPurpose(model: String?, purpose: GatewayPurpose) throws -> GatewayPurpose? {
        guard let model else { return hasGatewayFile ? purpose : nil }
        if case .gateway(let named) = try ModelReference(parsing: model) { return named }
        return nil
    }

    /// The gateway's backend for `purpose`, in `database`'s org, when ``routedPurpose(model:purpose:)`` routes.
    public func routedBackend(model: String?, purpose: GatewayPurpose, database: NexusDatabase) throws -> GatewayBackend? {
        guard let routed = try routedPurpose(model: model, purpose: purpose) else { return nil }
        return try gateway(database: database).backend(for: routed, org: database.org.rawValue)
    }
}
