import Foundation
import Hummingbird
import NexusAPI
import NexusCore
import NexusStore

/// Credentials over HTTP, as `nexus credentials` does: `GET /admin/credentials` lists names
/// (never a value), `PUT /admin/credentials/{name}` stores or replaces a value
/// (`{"value": "…"}`), `DELETE /admin/credentials/{name}` removes one. Admin keys only (the route
/// table's `/admin/*` rule), each key within its org (``OrgScope``); every change is an audit
/// event, by name. No answer, log line or event ever carries a value.
/// `POST /admin/credentials/rotate-key` replaces the key-encryption key (every org's data keys are
/// re-wrapped, no secret re-encrypted), as `nexus credentials rotate-key` does: server owners only.
struct CredentialRoutes: Sendable {
    let database: NexusDatabase
    let home: URL
    let audit: AuditLog?

    private func store(_ request: Request, _ context: NexusRequestContext) throws -> CredentialStore {
        let org = try OrgScope.of(request, context)
        return CredentialStore(database: database.scoped(to: org), home: home, audit: audit?.scoped(to: org))
    }

    func register(on router: Router<NexusRequestContext>) {
        router.get("/admin/credentials") { request, context in
            let entries = try await store(request, context).entriesAsync()
            return Response.json(["object": "list", "data": .array(entries.map { entry in
                ["name": .string(entry.name), "key_id": .string(entry.keyID), "created_at": .string(entry.createdAt.ISO8601Format()),
                 "updated_at": .string(entry.updatedAt.ISO8601Format())]
            })])
        }
        router.put("/admin/credentials/{name}") { request, context in
            let name = try context.parameters.require("name")
            let fields = try await request.fields(limit: 64 * 1024)
            guard let value = try fields.string("value") else {
                throw NexusError(.invalidArgument, "'value' is required: the secret, as a string")
            }
            let created = try await store(request, context).setAsync(name, value: value)
            try await audit?.record(created ? "credential.created" : "credential.replaced", of: request, context, resource: "credential:\(name)")
            return Response.json(["name": .string(name), "created": .bool(created)], status: created ? .created : .ok)
        }
        router.post("/admin/credentials/rotate-key") { request, context in
            guard OrgScope.isServerOwner(context.caller) else {
                throw NexusError(.forbidden, "the key-encryption key wraps every org's credentials; a server owner (an owner key of the default org) rotates it")
            }
            let store = CredentialStore(database: database, home: home, audit: audit)
            let (count, keyID) = try await BlockingWork.run { try store.rotateKey() }
            try await audit?.record("credential.key_rotated", of: request, context, resource: "credential-key:\(keyID)",
                                    details: ["rewrapped": .number(Double(count))])
            return Response.json(["key_id": .string(keyID), "rewrapped": .number(Double(count))])
        }
        router.delete("/admin/credentials/{name}") { request, context in
            let name = try context.parameters.require("name")
            guard try await store(request, context).deleteAsync(name) else {
                throw NexusError(.notFound, "there is no credential \(name); GET /admin/credentials lists the names")
            }
            try await audit?.record("credential.deleted", of: request, context, resource: "credential:\(name)")
            return Response.json(["name": .string(name), "deleted": true])
        }
    }
}
