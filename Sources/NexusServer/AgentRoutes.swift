import Foundation
import Hummingbird
import NexusAPI
import NexusAgent
import NexusCore
import NexusStore
import NexusTools

/// Server-side agents: `POST /v1/agent/runs` starts the autonomous loop, the events of a run
/// stream as SSE (replay, then live; resumable with `Last-Event-ID`), and a run can be cancelled.
struct AgentRoutes: Sendable {
    let service: InferenceService
    let hub: AgentRunHub
    let configuration: ServerConfiguration
    let database: NexusDatabase
    let makeRunner: @Sendable (any InferenceBackend, AgentConfiguration) throws -> AgentRunner

    func register(on router: Router<NexusRequestContext>) {
        router.post("/v1/agent/runs") { request, _ in try await start(request) }
        router.get("/v1/agent/runs") { request, _ in try list(request) }
        router.get("/v1/agent/runs/{id}") { _, context in
            let record = try record(context.parameters.require("id"))
            return Response.json(AgentEventJSON.run(record, steps: try RunStore(database: database).steps(runID: record.id)))
        }
        router.get("/v1/agent/runs/{id}/events") { request, context in try await events(request, id: context.parameters.require("id")) }
        router.post("/v1/agent/runs/{id}/cancel") { _, context in try await cancel(context.parameters.require("id")) }
    }

    private func start(_ request: Request) async throws -> Response {
        let fields = try await request.fields(limit: configuration.maxBodyBytes)
        let task = try fields.requiredString("task")
        guard !task.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw NexusError(.invalidArgument, "'task' is empty; say what the agent should do")
        }
        let model = try service.catalog.resolve(try fields.string("model") ?? configuration.defaultModel)
        var agent = AgentConfiguration()
        if let steps = try fields.integer("max_steps", in: 1...200) { agent.maxSteps = steps }
        if let tokens = try fields.integer("max_tokens", in: 1...10_000_000) { agent.maxTokens = tokens }
        if let seconds = try fields.number("max_seconds") {
            guard seconds > 0, seconds <= 86_400 else { throw NexusError(.invalidArgument, "'max_seconds' must be from 1 to 86400") }
            agent.maxWallSeconds = seconds
        }
        let policy = try fields.fields("policy").map { try PolicyFile.parse(JSONValue.object($0.object).jsonText, format: .json, source: "'policy'") }
            ?? CapabilityPolicy.default
        let workspace = try workspaceFolder(try fields.string("workspace"))

        try await hub.takePlace()
        let runner: AgentRunner
        do {
            let lease = try await service.pool.acquire(model)
            do {
                runner = try makeRunner(lease.backend, agent)
            } catch {
                await service.pool.release(model, keepAlive: nil)
                throw error
            }
        } catch {
            await hub.releasePlace()
            throw error
        }
        let (pool, hub) = (service.pool, self.hub)
        let id = try await hub.start(runner.start(task: task, workspace: workspace, policy: policy)) {
            await pool.release(model, keepAlive: nil)
            await hub.releasePlace()
        }
        guard let record = try RunStore(database: database).run(id: id) else {
            throw NexusError(.inferenceFailed, "run \(id) was started but is not in the store")
        }
        var body = AgentEventJSON.run(record, steps: nil).objectValue ?? [:]
        body["events_url"] = .string("/v1/agent/runs/\(id)/events")
        return Response.json(.object(body), status: .created, headers: [.location: "/v1/agent/runs/\(id)"])
    }

    /// The run's folder under `$NEXUS_HOME/workspaces`: a client names it, never a path of its own.
    private func workspaceFolder(_ name: String?) throws -> URL {
        let folderName = name ?? "run-" + RandomID.make().prefix(12)
        guard !folderName.isEmpty, folderName.count <= 100, !folderName.hasPrefix("."),
              folderName.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw NexusError(.invalidArgument, "'workspace' must be a folder name (letters, digits, '-', '_', '.'); it lives under $NEXUS_HOME/workspaces")
        }
        let folder = configuration.home.appendingPathComponent("workspaces", isDirectory: true)
            .appendingPathComponent(folderName, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw NexusError(.ioError, "cannot create the workspace \(folder.path): \(error.localizedDescription)")
        }
        return folder
    }

    private func list(_ request: Request) throws -> Response {
        let limit = request.uri.queryParameters.get("limit", as: Int.self) ?? 50
        guard (1...1000).contains(limit) else { throw NexusError(.invalidArgument, "'limit' must be from 1 to 1000") }
        let status = request.uri.queryParameters.get("status")
        let runs = try RunStore(database: database).list(limit: limit, status: status)
        return Response.json(["object": "list", "data": .array(runs.map { AgentEventJSON.run($0, steps: nil) })])
    }

    private func record(_ id: String) throws -> RunRecord {
        guard let record = try RunStore(database: database).run(id: id) else {
            throw NexusError(.notFound, "no agent run '\(id)'; list runs with GET /v1/agent/runs")
        }
        return record
    }

    private func events(_ request: Request, id: String) async throws -> Response {
        let record = try record(id)
        let after = request.headers[.init("Last-Event-ID")!].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            ?? request.uri.queryParameters.get("after", as: Int.self) ?? 0
        if let live = await hub.events(of: id, after: after) {
            return Response.eventStream { send in
                for await event in live { try await send(event.serverSentEvent) }
            }
        }
        let past = AgentEventJSON.replay(record, steps: try RunStore(database: database).steps(runID: id))
        return Response.eventStream { send in
            for event in past where event.sequence > after { try await send(event.serverSentEvent) }
        }
    }

    private func cancel(_ id: String) async throws -> Response {
        let record = try record(id)
        guard await hub.cancel(id) else {
            throw NexusError(.conflict, "run \(id) is not running in this server (status \(record.status)); nothing to cancel")
        }
        return Response.json(["id": .string(id), "object": "agent.run", "status": "cancelling"], status: .accepted)
    }
}
