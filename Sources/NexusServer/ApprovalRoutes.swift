import Foundation
import Hummingbird
import NexusAPI
import NexusAgent
import NexusCore
import NexusModules
import NexusStore

/// Modules the system made that wait for an admin (see `nexus modules approvals`):
/// `GET /admin/modules/approvals` (`?all=true` for decided ones too), and
/// `POST /admin/modules/approvals/{module}/approve` or `/reject` (`{"reason": …}`), each a
/// signed ledger entry and an audit event; an approved module is promoted and installed. Each key
/// sees and decides its own org's approvals only (the crystallizer makes modules from the default
/// org's traces alone, because installed modules serve the whole home).
struct ApprovalRoutes: Sendable {
    let database: NexusDatabase
    let lifecycle: (@Sendable () throws -> ModuleLifecycle)?
    let audit: AuditLog?

    func register(on router: Router<NexusRequestContext>) {
        router.get("/admin/modules/approvals") { request, context in
            let all = request.uri.queryParameters.get("all") == "true"
            let listed = try await ModuleApprovalStore(database: database.scoped(to: try OrgScope.of(request, context))).listAsync(pendingOnly: !all)
            return Response.json(["object": "list", "data": .array(listed.map(\.json))])
        }
        router.post("/admin/modules/approvals/{module}/approve") { request, context in try await decide(request, context, approve: true) }
        router.post("/admin/modules/approvals/{module}/reject") { request, context in try await decide(request, context, approve: false) }
    }

    private func decide(_ request: Request, _ context: NexusRequestContext, approve: Bool) async throws -> Response {
        guard let lifecycle, case .key(let key)? = context.caller else {
            throw NexusError(.notFound, "this server decides no module approvals")
        }
        let reference = try context.parameters.require("module")
        // A reason is optional: an empty body is no reason.
        let body = try await request.bodyBytes(limit: 4096)
        let reason = approve || body.readableBytes == 0 ? nil : try RequestFields(body: Array(body.readableBytesView)).string("reason")
        let actor = AgentRoutes.actor(request, context, key)
        let crystallizer = Crystallizer(database: database.scoped(to: key.org), lifecycle: try lifecycle())
        let approval = try await BlockingWork.run { try crystallizer.decide(reference, approve: approve, reason: reason, actor: actor.name) }
        var details: JSONObject = ["draft": .string(approval.draftID)]
        if let reason { details["reason"] = .string(reason) }
        try await audit?.scoped(to: key.org).record(approve ? "module.approved" : "module.rejected", actor: actor,
                                resource: "module:\(approval.name)@\(approval.version)", details: details)
        return Response.json(approval.json)
    }
}
