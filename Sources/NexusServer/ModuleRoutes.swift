import Foundation
import Hummingbird
import NexusAPI
import NexusCore
import NexusModules
import NexusStore

/// Modules over HTTP, the same steps as `nexus modules`: `GET /admin/modules` lists every version,
/// `GET /admin/modules/{module}` shows one (NAME, NAME@VERSION or its id), `POST /admin/modules`
/// (`{"manifest": {…}, "code": "…"}`) makes a draft, and `POST /admin/modules/{module}/validate`,
/// `/promote`, `/install` and `/rollback` move it through its signed lifecycle. Admin keys only.
/// Installed modules serve every org, so only the default org's admins change them; any admin
/// may read them. Each change is a signed ledger entry (the lifecycle's) and an audit event.
struct ModuleRoutes: Sendable {
    let lifecycle: (@Sendable () throws -> ModuleLifecycle)?
    let audit: AuditLog?

    func register(on router: Router<NexusRequestContext>) {
        router.get("/admin/modules") { request, context in
            // The list is the home's, the same for every org; naming another org is still 404.
            _ = try OrgScope.of(request, context)
            let lifecycle = try self.home()
            let listed = try await BlockingWork.run { try ModuleListing.all(lifecycle.modules) }
            return Response.json(["object": "list", "data": .array(listed)])
        }
        router.get("/admin/modules/{module}") { _, context in
            let (lifecycle, reference) = (try self.home(), try context.parameters.require("module"))
            return Response.json(try await BlockingWork.run {
                try ModuleListing.detail(try lifecycle.shown(reference), store: lifecycle.modules)
            })
        }
        router.post("/admin/modules") { request, context in try await draft(request, context) }
        router.post("/admin/modules/{module}/validate") { request, context in
            let (lifecycle, reference) = (try changing(context), try context.parameters.require("module"))
            let report = try await lifecycle.validate(reference)
            try await audit?.record("module.validated", of: request, context, resource: "module:\(report.name)@\(report.version)",
                                    details: ["passed": .bool(report.passed), "id": .string(report.moduleID)])
            return Response.json(report.json)
        }
        router.post("/admin/modules/{module}/promote") { request, context in
            let (lifecycle, reference, actor) = (try changing(context), try context.parameters.require("module"), Self.actor(context))
            let record = try await BlockingWork.run { try lifecycle.promote(reference, actor: actor) }
            try await audit?.record("module.promoted", of: request, context, resource: "module:\(record.name)@\(record.version)",
                                    details: ["id": .string(record.id)])
            return Response.json(ModuleListing.summary(record, active: false, validated: true))
        }
        router.post("/admin/modules/{module}/install") { request, context in
            let (lifecycle, reference, actor) = (try changing(context), try context.parameters.require("module"), Self.actor(context))
            let (record, install) = try await BlockingWork.run {
                (try lifecycle.find(reference, preferring: .promoted), try lifecycle.install(reference, actor: actor))
            }
            if install != nil {
                try await audit?.record("module.installed", of: request, context, resource: "module:\(record.name)@\(record.version)",
                                        details: ["id": .string(record.id)])
            }
            return Response.json(["name": .string(record.name), "version": .string(record.version), "id": .string(record.id),
                                  "active": true, "changed": .bool(install != nil)])
        }
        router.post("/admin/modules/{module}/rollback") { request, context in
            let (lifecycle, reference, actor) = (try changing(context), try context.parameters.require("module"), Self.actor(context))
            let (install, record) = try await BlockingWork.run {
                let install = try lifecycle.rollback(reference, actor: actor)
                return (install, try lifecycle.modules.module(id: install.moduleID))
            }
            try await audit?.record("module.rolled_back", of: request, context, resource: "module:\(install.name)@\(record?.version ?? "?")",
                                    details: ["id": .string(install.moduleID)])
            return Response.json(["name": .string(install.name), "version": record.map { .string($0.version) } ?? .null,
                                  "id": .string(install.moduleID), "active": true])
        }
    }

    private func draft(_ request: Request, _ context: NexusRequestContext) async throws -> Response {
        let lifecycle = try changing(context)
        let fields = try await request.fields(limit: 1 << 20)
        guard let manifest = try fields.fields("manifest") else {
            throw NexusError(.invalidArgument, "'manifest' is required: the module's manifest.json, as an object")
        }
        let code = try fields.requiredString("code")
        let actor = Self.actor(context)
        let (record, created) = try await BlockingWork.run { try lifecycle.createDraft(manifest: .object(manifest.object), code: code, actor: actor) }
        if created {
            try await audit?.record("module.drafted", of: request, context, resource: "module:\(record.name)@\(record.version)",
                                    details: ["id": .string(record.id)])
        }
        return Response.json(ModuleListing.summary(record, active: false, validated: nil), status: created ? .created : .ok)
    }

    private func home() throws -> ModuleLifecycle {
        guard let lifecycle else { throw NexusError(.notFound, "this server manages no modules") }
        return try lifecycle()
    }

    /// The lifecycle, for a key that may change what every org's runs call: an admin of the default org.
    private func changing(_ context: NexusRequestContext) throws -> ModuleLifecycle {
        guard (context.caller ?? .anonymous).org == .default else {
            throw NexusError(.forbidden, "installed modules serve every org on this server; an admin of the default org changes them")
        }
        return try home()
    }

    /// Who the ledger names for a step: the key.
    private static func actor(_ context: NexusRequestContext) -> String {
        context.caller?.keyID.map { "key:\($0)" } ?? "anonymous"
    }
}
