public import Hummingbird
public import Logging
public import NexusAgent
import NexusAPI
public import NexusCore
public import NexusStore
public import NexusTools
public import NexusModules
public import ServiceLifecycle
public import NexusInference
import HummingbirdCore
import NIOCore

/// What the server needs from the composition root (NexusRuntime).
public struct ServerDependencies: Sendable {
    /// Loads a model by its store name.
    public var loadModel: ModelPool.Loader
    /// Makes an agent runner over a backend (tools, budgets), with `extraTools` (the MCP
    /// servers' tools started for the run) beside the built-in ones, over `database`: the
    /// server's database scoped to the run's org, which the runner and its tools must use.
    public typealias MakeAgentRunner = @Sendable (_ backend: any InferenceBackend, _ agent: AgentConfiguration, _ extraTools: [any Tool],
                                                   _ database: NexusDatabase) throws -> AgentRunner
    public var makeAgentRunner: MakeAgentRunner
    public var database: NexusDatabase
    /// Reported by `/api/version`.
    public var version: String
    /// The tools `/mcp` serves to a key of an org: the built-in tools (memory and the rest
    /// over the org's records) and installed modules.
    public var makeTools: @Sendable (OrgName) throws -> ToolRegistry
    /// Where run starts and cancels, policy refusals and credential uses are recorded, and what
    /// `GET /admin/audit` reads; nil in tests that do not look at it.
    public var audit: AuditLog?
    /// The module lifecycle of the server's home, for `/admin/modules/approvals`; nil answers 404 there.
    public var moduleLifecycle: (@Sendable () throws -> ModuleLifecycle)?
    /// Long-lived work of the composition root (the crystallizer), run under the server's service
    /// group beside the HTTP server and stopped with it.
    public var services: [any Service]
    /// Long-lived work that generates through the server's gateway (the crystallizer's
    /// `generalize` purpose), made once the gateway is.
    public var gatewayServices: @Sendable (Gateway) -> [any Service]

    public init(loadModel: @escaping ModelPool.Loader,
                makeAgentRunner: @escaping MakeAgentRunner,
                database: NexusDatabase, version: String, makeTools: (@Sendable (OrgName) throws -> ToolRegistry)? = nil, audit: AuditLog? = nil,
                moduleLifecycle: (@Sendable () throws -> ModuleLifecycle)? = nil, services: [any Service] = [],
                gatewayServices: @escaping @Sendable (Gateway) -> [any Service] = { _ in [] }) {
        self.loadModel = loadModel
        self.makeAgentRunner = makeAgentRunner
        self.database = database
        self.version = version
        self.makeTools = makeTools ?? { _ in try ToolRegistry([]) }
        self.audit = audit
        self.moduleLifecycle = moduleLifecycle
        self.services = services
        self.gatewayServices = gatewayServices
    }
}

/// The key check of the server: kept in memory while the database is unchanged, or the store's
/// own when the file cannot be watched (logged; every request then reads the key table).
private func cachedKeys(_ database: NexusDatabase, logger: Logger) -> any KeyAuthenticator {
    do {
        return try CachedKeyAuthenticator(database: database)
    } catch {
        logger.warning("API keys are checked without a cache", metadata: ["error": .string("\(error)")])
        return KeyStore(database: database)
    }
}

/// Builds the HTTP application: every route, behind the edge middleware (ids, the key check,
/// errors, logs, metrics). Tests call this and drive it with Hummingbird's test client.
public func buildServerApplication(configuration: ServerConfiguration, dependencies: ServerDependencies,
                                   logger: Logger) -> some ApplicationProtocol {
    let metrics = ServerMetrics()
    let catalog = ModelCatalog(home: configuration.home)
    let usage = UsageStore(database: dependencies.database)
    let governor = UsageGovernor(store: usage, recorder: UsageRecorder(store: usage, logger: logger), metrics: metrics,
                                 audit: dependencies.audit, enabled: configuration.metering)
    let pool = ModelPool(maxLoaded: configuration.maxLoadedModels, loader: dependencies.loadModel)
    let gateway = ServerGateway.make(serverGatewayConfiguration(configuration, logger: logger), pool: pool,
                                     credential: { [database = dependencies.database, home = configuration.home] name in
                                         try CredentialStore(database: database, home: home).value(of: name)
                                     }, journal: StoredGatewayJournal(database: dependencies.database))
    let service = InferenceService(
        pool: pool, gateway: gateway,
        gate: GenerationGate(slots: configuration.slots, queueLimit: configuration.queueLimit),
        metrics: metrics, catalog: catalog, governor: governor)
    let router = Router(context: NexusRequestContext.self)
    let access = AccessPolicy(host: configuration.host, port: configuration.port, keys: cachedKeys(dependencies.database, logger: logger))
    router.add(middleware: EdgeMiddleware(metrics: metrics, access: access))
    ServiceRoutes(service: service, version: dependencies.version, boundToLoopback: access.boundToLoopback).register(on: router)
    DashboardRoutes(boundToLoopback: access.boundToLoopback).register(on: router)
    LearningRoutes(database: dependencies.database, lifecycle: dependencies.moduleLifecycle).register(on: router)
    LedgerRoutes(database: dependencies.database, home: configuration.home).register(on: router)
    OllamaRoutes(service: service, configuration: configuration).register(on: router)
    OpenAIRoutes(service: service, configuration: configuration).register(on: router)
    ModelAdminRoutes(service: service, configuration: configuration, audit: dependencies.audit).register(on: router)
    ModelBlobRoutes(store: catalog.store, configuration: configuration).register(on: router)
    let hub = AgentRunHub(metrics: metrics, maxActiveRuns: configuration.maxAgentRuns)
    let agents = AgentRoutes(service: service, hub: hub, configuration: configuration,
                             database: dependencies.database, makeRunner: dependencies.makeAgentRunner, audit: dependencies.audit,
                             lifecycle: dependencies.moduleLifecycle)
    agents.register(on: router)
    AuditRoutes(audit: dependencies.audit).register(on: router)
    UsageRoutes(usage: usage, governor: governor, audit: dependencies.audit).register(on: router)
    KeyRoutes(database: dependencies.database, audit: dependencies.audit, loopbackGuard: access.loopbackGuard).register(on: router)
    OrgRoutes(database: dependencies.database, audit: dependencies.audit).register(on: router)
    ModuleRoutes(lifecycle: dependencies.moduleLifecycle, audit: dependencies.audit).register(on: router)
    ApprovalRoutes(database: dependencies.database, lifecycle: dependencies.moduleLifecycle, audit: dependencies.audit).register(on: router)
    let builds = ModuleBuildHub()
    ReloadRoutes(configuration: configuration, governor: governor, usage: usage, database: dependencies.database, gateway: gateway,
                 audit: dependencies.audit).register(on: router)
    ModuleBuildRoutes(database: dependencies.database, lifecycle: dependencies.moduleLifecycle, gateway: gateway, builds: builds,
                      boundToLoopback: access.boundToLoopback, audit: dependencies.audit).register(on: router)
    CredentialRoutes(database: dependencies.database, home: configuration.home, audit: dependencies.audit).register(on: router)
    MCPRoutes(agents: agents, sessions: MCPSessions(), configuration: configuration, database: dependencies.database,
              makeTools: dependencies.makeTools, version: dependencies.version).register(on: router)
    // Slow or silent clients cannot hold connections: a head must arrive in time, a stalled body is
    // cut off, and beyond maxConnections new ones wait in the backlog instead of exhausting descriptors.
    let headTimeout = TimeAmount(configuration.requestHeadTimeout)
    let http1 = HTTP1Channel.Configuration(
        additionalChannelHandlers: [RequestHeadDeadline(timeout: headTimeout)],
        idleTimeout: TimeAmount(configuration.idleTimeout))
    return Application(
        router: router,
        server: .http1(configuration: http1),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "nexus",
                             availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections, logger: logger)),
        services: [ShutdownDrain(hub: hub, governor: governor), builds] + dependencies.services + dependencies.gatewayServices(gateway),
        logger: logger)
}

/// `gateway.json` of the server's home; a file that does not read is logged and the default
/// routes serve until `POST /admin/reload` reads a good one.
private func serverGatewayConfiguration(_ configuration: ServerConfiguration, logger: Logger) -> GatewayConfiguration {
    do {
        return try GatewayConfiguration.load(home: configuration.home, defaultModel: configuration.defaultModel)
    } catch {
        logger.warning("gateway.json is not used", metadata: ["error": .string((error as? NexusError)?.message ?? "\(error)")])
        return GatewayConfiguration(defaultModel: configuration.defaultModel)
    }
}
