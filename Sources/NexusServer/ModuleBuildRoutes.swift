import Foundation
import Hummingbird
import NexusAgent
public import NexusCore
public import NexusInference
import NexusModules
import NexusStore

/// The toolsmith over HTTP, as `nexus modules build`: `POST /admin/modules/builds`
/// (`{"description": …, "examples": [{"input": {…}, "output": …}, …], "name": …, "max_attempts": …}`)
/// starts a build and answers 202 with its id; `GET /admin/modules/builds` lists builds and
/// `GET /admin/modules/builds/{id}` shows one with every attempt (prompt, output, report). The
/// module is installed for every org, so builds are started by admins of the default org; on a
/// server others can reach it waits for approval. `GET /admin/gateway` shows the gateway's routes,
/// cooling routes, budgets and recent calls.
struct ModuleBuildRoutes: Sendable {
    let database: NexusDatabase
    let lifecycle: (@Sendable () throws -> ModuleLifecycle)?
    let gateway: Gateway
    let builds: ModuleBuildHub
    let boundToLoopback: Bool
    let audit: AuditLog?

    func register(on router: Router<NexusRequestContext>) {
        router.post("/admin/modules/builds") { request, context in try await start(request, context) }
        router.get("/admin/modules/builds") { request, context in
            let listed = try await ModuleBuildStore(database: database.scoped(to: try OrgScope.of(request, context))).listAsync()
            return Response.json(["object": "list", "data": .array(listed.map(ModuleBuildJSON.summary))])
        }
        router.get("/admin/modules/builds/{id}") { request, context in
            let id = try context.parameters.require("id")
            guard let found = try await ModuleBuildStore(database: database.scoped(to: try OrgScope.of(request, context))).buildAsync(id) else {
                throw NexusError(.notFound, "there is no build \(id); GET /admin/modules/builds lists them")
            }
            return Response.json(ModuleBuildJSON.detail(found.build, found.attempts))
        }
        router.get("/admin/gateway") { request, context in
            guard try OrgScope.of(request, context) == .default else {
                throw NexusError(.forbidden, "the gateway is the server's; an admin of the default org reads it")
            }
            return Response.json(GatewayJSON.status(await gateway.status(), calls: await gateway.recentCalls().suffix(50)))
        }
    }

    private func start(_ request: Request, _ context: NexusRequestContext) async throws -> Response {
        guard let lifecycle else { throw NexusError(.notFound, "this server manages no modules") }
        guard case .key(let key)? = context.caller, key.org == .default else {
            throw NexusError(.forbidden, "built modules serve every org on this server; an admin of the default org builds them")
        }
        let fields = try await request.fields(limit: 1 << 20)
        guard let examples = fields["examples"] else {
            throw NexusError(.invalidArgument, "'examples' is required: [{\"input\": {...}, \"output\": ...}, ...], at least 2")
        }
        let attempts = Int(try fields.number("max_attempts") ?? 10)
        guard (1...10).contains(attempts) else { throw NexusError(.invalidArgument, "'max_attempts' must be 1 to 10") }
        let specification = try ModuleSpecification(description: try fields.requiredString("description"),
                                                    examples: try ModuleSpecification.examples(from: examples), name: try fields.string("name"))
        var toolsmith = Toolsmith(builder: gateway.backend(for: .build, org: key.org.rawValue),
                                  repairer: gateway.backend(for: .repair, org: key.org.rawValue),
                                  lifecycle: try lifecycle(), database: database)
        toolsmith.maxAttempts = attempts
        toolsmith.approval = try ModuleApprovalStore(database: database).mode(fallback: boundToLoopback ? .auto : .required)
        let actor = AgentRoutes.actor(request, context, key)
        let id = try await builds.start(toolsmith, specification, actor: actor.name) { [audit] outcome in
            _ = try? await audit?.record("module.built", actor: actor, resource: "module:\(outcome.module ?? specification.name)",
                                     details: ["build": .string(outcome.buildID), "status": .string(outcome.status.rawValue),
                                               "attempts": .number(Double(outcome.attempts))])
        }
        return Response.json(["id": .string(id), "status": "building", "name": .string(specification.name)], status: .accepted,
                             headers: [.location: "/admin/modules/builds/\(id)"])
    }
}

/// The gateway's routes, cool-downs, budgets and recent calls, as `GET /admin/gateway` and
/// `nexus gateway --json` show them.
public enum GatewayJSON {
    public static func status(_ status: GatewayStatus, calls: some Collection<GatewayCall>) -> JSONValue {
        [
            "routes": .object(JSONObject(status.routes.sorted { $0.key.rawValue < $1.key.rawValue }.map { ($0.key.rawValue, .array($0.value.map(JSONValue.string))) })),
            "cooling_down": .object(JSONObject(status.coolingDown.sorted { $0.key < $1.key }.map { ($0.key, .number(($0.value * 10).rounded() / 10)) })),
            "budgets": .array(status.spending.map { ["budget": .string($0.budget), "used": .number(Double($0.used)), "limit": .number(Double($0.limit)),
                                                     "resets_in_seconds": .number($0.resetsInSeconds.rounded())] }),
            "recent_calls": .array(calls.map { call in
                [
                    "purpose": .string(call.purpose.rawValue), "org": .string(call.org), "route": call.route.map(JSONValue.string) ?? .null,
                    "seconds": .number((call.seconds * 1000).rounded() / 1000), "prompt_tokens": .number(Double(call.promptTokens)),
                    "completion_tokens": .number(Double(call.completionTokens)), "at": .string(call.at.ISO8601Format()),
                    "attempts": .array(call.attempts.map(StoredGatewayJournal.json)),
                ]
            }),
        ]
    }
}
