import Foundation
import Hummingbird
import NexusCore
import NexusAPI
import NexusStore

/// `/admin/usage` (metered usage, rolled up) and `/admin/limits` (rate limits, requests at once
/// and quotas, by key or org). Admin keys only (the route table's `/admin/*` rule). A change to a
/// limit takes effect at once and is an audit event.
struct UsageRoutes: Sendable {
    let usage: UsageStore
    let governor: UsageGovernor
    let audit: AuditLog?

    func register(on router: Router<NexusRequestContext>) {
        router.get("/admin/usage") { request, _ in try await report(request) }
        router.get("/admin/limits") { _, _ in
            Response.json(["object": "list", "data": .array(try await usage.limits().map(\.json))])
        }
        router.put("/admin/limits/{subject}/{name}") { request, context in try await set(request, context) }
        router.delete("/admin/limits/{subject}/{name}") { request, context in try await remove(request, context) }
    }

    private func report(_ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        let period = parameters.get("period") ?? "day"
        guard let granularity = UsageStore.Granularity(rawValue: period) else {
            throw NexusError(.invalidArgument, "'period' is minute, hour or day, not '\(period.prefix(20))'")
        }
        let groups = Set((parameters.get("group_by") ?? "key,model").split(separator: ",").map(String.init))
        guard groups.isSubset(of: ["key", "model", "none"]) else {
            throw NexusError(.invalidArgument, "'group_by' lists key and model (or none), comma-separated")
        }
        let query = UsageStore.Query(granularity: granularity, since: try AuditQuery.time(parameters.get("since"), "'since'"),
                                     until: try AuditQuery.time(parameters.get("until"), "'until'"),
                                     keyID: parameters.get("key_id"), model: parameters.get("model"),
                                     byKey: groups.contains("key"), byModel: groups.contains("model"))
        let rows = try await usage.totals(query)
        return Response.json(["object": "list", "period": .string(granularity.rawValue), "data": .array(rows.map(\.json))])
    }

    private func set(_ request: Request, _ context: NexusRequestContext) async throws -> Response {
        let (subject, name) = try limitPath(context)
        let fields = try await request.fields(limit: 4096)
        guard let value = try fields.integer("value", in: 0...Int(Int64.max / 4)) else {
            throw NexusError(.invalidArgument, "'value' is required: the hard limit, a whole number (0 refuses everything)")
        }
        let limit = UsageLimit(subject: subject, name: name, value: value, soft: try fields.integer("soft", in: 0...Int(Int64.max / 4)))
        try await usage.set(limit)
        try await governor.reloadLimits()
        try await audit?.record("limit.set", of: request, context, resource: "limit:\(subject.description)/\(name.rawValue)",
                                details: limit.json.objectValue ?? [:])
        return Response.json(limit.json)
    }

    private func remove(_ request: Request, _ context: NexusRequestContext) async throws -> Response {
        let (subject, name) = try limitPath(context)
        guard try await usage.remove(subject, name) else {
            throw NexusError(.notFound, "\(subject.description) has no limit \(name.rawValue); GET /admin/limits lists them")
        }
        try await governor.reloadLimits()
        try await audit?.record("limit.removed", of: request, context, resource: "limit:\(subject.description)/\(name.rawValue)")
        return Response.json(["deleted": true, "subject": .string(subject.description), "name": .string(name.rawValue)])
    }

    private func limitPath(_ context: NexusRequestContext) throws -> (LimitSubject, UsageLimitName) {
        (try LimitSubject(validating: context.parameters.require("subject")), try UsageLimitName(validating: context.parameters.require("name")))
    }
}
