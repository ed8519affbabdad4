public import Foundation
public import Logging
import NexusAgent
import NexusCore
import NexusInference
import NexusServer
import NexusStore
import NexusTools

/// Wires `nexus serve`: the configuration, the database, model loading and agent runners, then
/// runs the HTTP server until SIGINT or SIGTERM (graceful shutdown: in-flight requests finish).
public struct ServerLauncher: Sendable {
    public var configuration: NexusConfiguration

    public init(configuration: NexusConfiguration) {
        self.configuration = configuration
    }

    /// - Parameters: host, port: override `NEXUS_HOST`.
    /// - Throws: `NexusError` when the database cannot be opened or the address cannot be bound.
    public func run(host: String?, port: Int?, logger: Logger) async throws {
        let agents = AgentFactory(configuration: configuration)
        let database = try agents.database()
        let backends = BackendFactory(configuration: configuration)
        let server = ServerConfiguration(
            host: host ?? configuration.serverHost, port: port ?? configuration.serverPort, home: configuration.home,
            defaultModel: configuration.defaultModel, slots: configuration.slots, queueLimit: configuration.queueLimit,
            maxLoadedModels: configuration.maxLoadedModels, maxAgentRuns: configuration.maxAgentRuns,
            agentCeilings: try AgentCeilings.fromEnvironment())
        let dependencies = ServerDependencies(
            loadModel: { name in
                // Only names from the store reach here (the server resolves them first), never paths.
                try await backends.backend(for: name)
            },
            makeAgentRunner: { [configuration] backend, agent, extraTools, database in
                var agent = agent
                agent.hope = configuration.hope
                return try agents.runner(backend: backend, database: database, agent: agent, extraTools: extraTools)
            },
            database: database, version: NexusVersion.ollamaCompatible,
            makeTools: { org in try agents.tools(database: database.scoped(to: org)) }, audit: agents.audit(database: database),
            moduleLifecycle: { try agents.moduleLifecycle(database: database) },
            gatewayServices: { gateway in
                [CrystallizerService(interval: configuration.crystallizeInterval, database: database, agents: agents, gateway: gateway,
                                     boundToLoopback: server.isLoopback, logger: logger)]
            })
        // No sandboxed command may connect to the API it was started from, whatever its policy.
        SandboxNetwork.reserveListenerPort(server.port)
        defer { SandboxNetwork.releaseListenerPort(server.port) }
        let application = buildServerApplication(configuration: server, dependencies: dependencies, logger: logger)
        logger.info("nexus serve listening", metadata: [
            "address": "\(server.host):\(server.port)", "home": "\(configuration.home.path)",
            "slots": "\(server.slots)", "queue_limit": "\(server.queueLimit)",
        ])
        try await application.runService()
    }
}
