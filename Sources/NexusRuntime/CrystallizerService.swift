import Foundation
import Logging
import NexusAgent
import NexusInference
import NexusStore
import ServiceLifecycle

/// HOPE's background job under the server's service group: every `NEXUS_CRYSTALLIZE_INTERVAL`
/// seconds, compile at most three ready traces into modules (a budget, so a backlog never hogs
/// the server). It stops at graceful shutdown, between passes or during one's wait.
struct CrystallizerService: Service {
    let interval: Double
    let database: NexusDatabase
    let agents: AgentFactory
    /// The server's gateway: a step is generalized by its `generalize` routes (the pool's model
    /// unless gateway.json says otherwise), never by a second copy of a model.
    let gateway: Gateway
    /// A server only this machine can reach installs what it makes; any other keeps it for approval.
    let boundToLoopback: Bool
    let logger: Logger

    /// Returns only at shutdown: a service that ends stops the whole group (the server with it).
    func run() async throws {
        guard interval > 0 else {
            try? await gracefulShutdown()
            return
        }
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(interval))
                    await pass()
                }
            }
        } catch is CancellationError {
            // Shutting down: the wait was cut short, which is the point.
        }
    }

    private func pass() async {
        do {
            var crystallizer = Crystallizer(database: database, lifecycle: try agents.moduleLifecycle(database: database))
            crystallizer.approval = try ModuleApprovalStore(database: database).mode(fallback: boundToLoopback ? .auto : .required)
            crystallizer.model = gateway.backend(for: .generalize, org: database.org.rawValue)
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
