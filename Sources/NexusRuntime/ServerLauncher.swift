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
            makeAgentRunner: { [configuration] backend, agent, extraTools in
                var agent = agent
                agent.hope = configuration.hope
                return try agents.runner(backend: backend, database: database, agent: agent, extraTools: extraTools)
            },
            database: database, version: NexusVersion.ollamaCompatible,
            makeTools: { try agents.tools(database: database) }, audit: agents.audit(database: database),
            moduleLifecycle: { try agents.moduleLifecycle(database: database) })
        // No sandboxed command may connect to the API it was started from, whatever its policy.
        SandboxNetwork.reserveListenerPort(server.port)
        defer { SandboxNetwork.releaseListenerPort(server.port) }
        let application = buildServerApplication(configuration: server, dependencies: dependencies, logger: logger)
        logger.info("nexus serve listening", metadata: [
            "address": "\(server.host):\(server.port)", "home": "\(configuration.home.path)",
            "slots": "\(server.slots)", "queue_limit": "\(server.queueLimit)",
        ])
        let crystallizing = Task {
            await crystallizeInBackground(database: database, agents: agents, backends: backends, boundToLoopback: server.isLoopback, logger: logger)
        }
        defer { crystallizing.cancel() }
        try await application.runService()
    }

    /// HOPE's background job: every `NEXUS_CRYSTALLIZE_INTERVAL` seconds, compile at most three
    /// ready traces into modules (a budget, so a backlog never hogs the server).
    private func crystallizeInBackground(database: NexusDatabase, agents: AgentFactory, backends: BackendFactory, boundToLoopback: Bool,
                                         logger: Logger) async {
        let interval = configuration.crystallizeInterval
        guard interval > 0 else { return }
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(interval))
            if Task.isCancelled { return }
            do {
                var crystallizer = Crystallizer(database: database, lifecycle: try agents.moduleLifecycle(database: database))
                // A server others can reach keeps the modules it makes for an admin to approve, unless told otherwise.
                crystallizer.approval = try ModuleApprovalStore(database: database).mode(fallback: boundToLoopback ? .auto : .required)
                // The model that generalizes a step is loaded only if one is asked about, and let go after the pass.
                crystallizer.model = try? backends.deferredBackend(for: nil, engine: backends.engineConfiguration(slots: 1))
                for outcome in try await crystallizer.crystallizeCandidates(limit: 3, actor: "serve") {
                    switch outcome {
                    case .success(let made) where made.awaitingApproval:
                        logger.info("crystallized, awaiting approval", metadata: ["trace": "\(made.traceRunID)", "module": "\(made.module)"])
                        try? await agents.audit(database: database).record("module.approval_requested", actor: .nexus, resource: "module:\(made.module)",
                                                                          details: ["draft": .string(made.moduleID), "trace": .string(made.traceRunID)])
                    case .success(let made):
                        logger.info("crystallized", metadata: ["trace": "\(made.traceRunID)", "module": "\(made.module)", "tested_runs": "\(made.testedRuns)",
                                                               "generalized_by_model": "\(made.generalizedByModel)", "model_tokens": "\(made.modelTokens)"])
                    case .failure(let error):
                        logger.warning("crystallization failed", metadata: ["error": "\(error.message)"])
                    }
                }
            } catch {
                logger.warning("crystallization pass failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
