import Foundation
import Hummingbird
import NexusAPI
import NexusCore
import NexusStore

/// Organizations over HTTP, as `nexus orgs` does: `GET /admin/orgs` lists them (a server owner
/// sees all; any other admin key only its own), `GET /admin/orgs/{name}` shows one (another org
/// is not found), and `POST /admin/orgs` (`{"name": …}`) makes one — a server owner only (an
/// owner key of the default org). A new org has no keys: make its first owner key with
/// `POST /admin/keys` and `"org"`. Each new org is an audit event.
struct OrgRoutes: Sendable {
    let database: NexusDatabase
    let audit: AuditLog?

    private var orgs: OrgStore { OrgStore(database: database) }

    func register(on router: Router<NexusRequestContext>) {
        router.get("/admin/orgs") { _, context in
            let caller = context.caller ?? .anonymous
            let listed = try await orgs.listAsync(only: OrgScope.isServerOwner(caller) ? nil : caller.org)
            return Response.json(["object": "list", "data": .array(listed.map(Self.json))])
        }
        router.get("/admin/orgs/{name}") { _, context in
            let name = try OrgScope.named(try context.parameters.require("name"), by: context.caller)
            guard let org = try await orgs.listAsync(only: name).first else { throw OrgScope.notFound(name) }
            return Response.json(Self.json(org))
        }
        router.post("/admin/orgs") { request, context in
            guard OrgScope.isServerOwner(context.caller) else {
                throw NexusError(.forbidden, "orgs are made by the server's owner (an owner key of the default org)")
            }
            let fields = try await request.fields(limit: 4096)
            let name = try OrgName(try fields.requiredString("name"))
            let org = try await orgs.createAsync(name, createdBy: context.caller?.keyID)
            try await audit?.record("org.created", of: request, context, resource: "org:\(name)")
            return Response.json(Self.json(org), status: .created, headers: [.location: "/admin/orgs/\(name)"])
        }
    }

    static func json(_ org: OrgRecord) -> JSONValue {
        var object: JSONObject = ["name": .string(org.name.rawValue), "object": "org", "created_at": .string(org.createdAt.ISO8601Format())]
        if let by = org.createdBy { object["created_by"] = .string(by) }
        return .object(object)
    }
}
