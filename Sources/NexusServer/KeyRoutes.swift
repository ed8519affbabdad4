import Foundation
import HTTPTypes
import Hummingbird
import NexusAPI
import NexusCore
import NexusStore

/// Keys over HTTP, the same operations as `nexus keys`: `GET /admin/keys` lists them (never a
/// secret), `POST /admin/keys` creates one, `POST /admin/keys/{id}/rotate` replaces one, and
/// `DELETE /admin/keys/{id}` revokes one. Owner keys only (the route table's `/admin/keys`
/// rules), each within its org: another org's key is not found. A server owner (an owner key
/// of the default org) lists every org's keys and makes keys in any org (`"org"` in the body).
/// Every change is an audit event. A new secret is in the answer once and never again.
///
/// `POST /admin/bootstrap` makes the first owner key of a server that never had a key, and only
/// for a request made on this machine: from a loopback address, to a loopback `Host`, not sent
/// by a web page for another site, and not relayed by a proxy (which would make every request
/// look local). After that it answers 409 for good; keys are then made with a key or the CLI.
struct KeyRoutes: Sendable {
    let database: NexusDatabase
    let audit: AuditLog?
    let loopbackGuard: LoopbackRequestGuard

    private var keys: KeyStore { KeyStore(database: database) }

    func register(on router: Router<NexusRequestContext>) {
        router.get("/admin/keys") { request, context in
            let org: OrgName? = request.uri.queryParameters.get("org") == nil && OrgScope.isServerOwner(context.caller)
                ? nil : try OrgScope.of(request, context)
            return Response.json(["object": "list", "data": .array(try await keys.listAsync(org: org).map { Self.json($0) })])
        }
        router.post("/admin/keys") { request, context in
            let fields = try await request.fields(limit: 4096)
            guard let roleName = try fields.string("role") else {
                throw NexusError(.invalidArgument, "'role' is required: viewer, operator, admin or owner")
            }
            let org = try OrgScope.named(try fields.string("org"), by: context.caller)
            let issued = try await keys.createAsync(name: try fields.string("name"), role: try Role(parsing: roleName), org: org)
            try await audit?.record("key.created", of: request, context, resource: "key:\(issued.record.id)",
                                    details: ["role": .string(issued.record.role.rawValue), "name": .string(issued.record.name),
                                              "org": .string(issued.record.org.rawValue)])
            return Response.json(Self.json(issued.record, secret: issued.secret), status: .created)
        }
        router.post("/admin/keys/{id}/rotate") { request, context in
            let id = try context.parameters.require("id")
            let issued = try await keys.rotateAsync(id: id, org: Self.keyScope(context.caller))
            try await audit?.record("key.rotated", of: request, context, resource: "key:\(id)", details: ["new_key": .string(issued.record.id)])
            return Response.json(Self.json(issued.record, secret: issued.secret), status: .created)
        }
        router.delete("/admin/keys/{id}") { request, context in
            let id = try context.parameters.require("id")
            let revoked = try await keys.revokeAsync(id: id, org: Self.keyScope(context.caller))
            if revoked { try await audit?.record("key.revoked", of: request, context, resource: "key:\(id)") }
            return Response.json(["id": .string(id), "revoked": true, "changed": .bool(revoked)])
        }
        router.post("/admin/bootstrap") { request, context in try await bootstrap(request, context) }
    }

    private func bootstrap(_ request: Request, _ context: NexusRequestContext) async throws -> Response {
        let address = context.channel.remoteAddress?.ipAddress ?? ""
        guard AccessPolicy.isLoopback(host: address) else {
            throw NexusError(.forbidden, "the first owner key is made only for a request from this machine; run `nexus keys create --role owner` there instead")
        }
        let relayed = ["Forwarded", "X-Forwarded-For", "X-Real-IP"].filter { request.headers[HTTPField.Name($0)!] != nil }
        guard relayed.isEmpty else {
            throw NexusError(.forbidden, "the request came through a proxy (\(relayed.joined(separator: ", "))); make the first owner key on the server's machine with `nexus keys create --role owner`")
        }
        if let refusal = loopbackGuard.refusal(EdgeMiddleware.provenance(of: request)) {
            throw NexusError(.forbidden, refusal)
        }
        guard let issued = try await keys.bootstrapOwner() else {
            throw NexusError(.conflict, "this server already has keys, so there is nothing to bootstrap; ask an owner for a key, or use `nexus keys create` on the server's machine")
        }
        try await audit?.record("key.created", actor: AuditActor(name: "bootstrap", ip: address, userAgent: request.headers[.userAgent]),
                                resource: "key:\(issued.record.id)", details: ["role": "owner", "name": "bootstrap"])
        return Response.json(Self.json(issued.record, secret: issued.secret), status: .created)
    }

    /// The keys a caller may rotate or revoke: its org's, or every org's for a server owner.
    private static func keyScope(_ caller: Caller?) -> OrgName? {
        OrgScope.isServerOwner(caller) ? nil : (caller ?? .anonymous).org
    }

    /// A key as the API shows it; `secret` only in the answer that issues it.
    static func json(_ key: KeyRecord, secret: String? = nil) -> JSONValue {
        var object: JSONObject = ["id": .string(key.id), "object": "key", "name": .string(key.name), "role": .string(key.role.rawValue),
                                  "org": .string(key.org.rawValue),
                                  "created_at": .string(key.createdAt.ISO8601Format()), "active": .bool(key.isActive)]
        if let revoked = key.revokedAt { object["revoked_at"] = .string(revoked.ISO8601Format()) }
        if let used = key.lastUsedAt { object["last_used_at"] = .string(used.ISO8601Format()) }
        if let from = key.rotatedFrom { object["rotated_from"] = .string(from) }
        if let secret { object["secret"] = .string(secret) }
        return .object(object)
    }
}
