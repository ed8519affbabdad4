import Foundation
import Hummingbird
import NexusCore
import NexusStore

extension AuditLog {
    /// Records an event of an administration request, in its key's org. Its actor is the
    /// request's key, with the address and client it came from; `/admin` routes are served to no
    /// request without a key.
    func record(_ type: String, of request: Request, _ context: NexusRequestContext, resource: String, details: JSONObject = [:]) async throws {
        guard case .key(let key)? = context.caller else { return }
        try await scoped(to: key.org).record(type, actor: AgentRoutes.actor(request, context, key), resource: resource, details: details)
    }

    /// Records a change made by a request that may come without a key (model management is open
    /// on a loopback server, as in Ollama): its key, or `anonymous` with its address and client.
    func recordChange(_ type: String, of request: Request, _ context: NexusRequestContext, resource: String,
                      details: JSONObject = [:]) async throws {
        let actor: AuditActor = switch context.caller {
        case .key(let key)?: AgentRoutes.actor(request, context, key)
        default: AuditActor(name: "anonymous", ip: context.channel.remoteAddress?.ipAddress, userAgent: request.headers[.userAgent])
        }
        try await scoped(to: (context.caller ?? .anonymous).org).record(type, actor: actor, resource: resource, details: details)
    }
}

/// `GET /admin/audit`: the audit log, newest first, filtered by type, actor, resource and time.
/// Admin keys only (the route table's `/admin/*` rule).
struct AuditRoutes: Sendable {
    let audit: AuditLog?

    func register(on router: Router<NexusRequestContext>) {
        router.get("/admin/audit") { request, context in try await list(request, org: try OrgScope.of(request, context)) }
    }

    private func list(_ request: Request, org: OrgName) async throws -> Response {
        guard let audit = audit?.scoped(to: org) else { throw NexusError(.notFound, "this server keeps no audit log") }
        let parameters = request.uri.queryParameters
        let limit = parameters.get("limit", as: Int.self) ?? 100
        guard (1...1000).contains(limit) else { throw NexusError(.invalidArgument, "'limit' must be from 1 to 1000") }
        let query = AuditQuery(type: parameters.get("type"), actor: parameters.get("actor"), resource: parameters.get("resource"),
                               since: try AuditQuery.time(parameters.get("since"), "'since'"), until: try AuditQuery.time(parameters.get("until"), "'until'"),
                               limit: limit)
        let events = try await audit.events(query)
        return Response.json(["object": "list", "data": .array(events.map(\.json))])
    }
}
