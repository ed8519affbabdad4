import Foundation
import Hummingbird
import NexusCore
import NexusAPI
import NexusStore

/// `/admin/usage` (metered usage, rolled up) and `/admin/limits` (rate limits, requests at once
/// and quotas, by key or org). Admin keys only (the route table's `/admin/*` rule), each within
/// its org (``OrgScope``). A key's limits are set by its org's admins; an org's own limits only
/// by a server owner, so that an org cannot lift its own quota. A change to a limit takes effect
/// at once and is an audit event.
struct UsageRoutes: Sendable {
    let usage: UsageStore
    let governor: UsageGovernor
    let audit: AuditLog?

    func register(on router: Router<NexusRequestContext>) {
        router.get("/admin/usage") { request, context in try await report(request, usage: usage.scoped(to: try OrgScope.of(request, context))) }
        router.get("/admin/limits") { request, context in
            let limits = try await usage.scoped(to: try OrgScope.of(request, context)).limits()
            return Response.json(["object": "list", "data": .array(limits.map(\.json))])
        }
        router.put("/admin/limits/{subject}/{name}") { request, context in try await set(request, context) }
        router.delete("/admin/limits/{subject}/{name}") { request, context in try await remove(request, context) }
    }

    private func report(_ request: Request, usage: UsageStore) async throws -> Response {
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
        let usage = try await store(for: subject, context)
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
        let usage = try await store(for: subject, context)
        guard try await usage.remove(subject, name) else {
            throw NexusError(.notFound, "\(subject.description) has no limit \(name.rawValue); GET /admin/limits lists them")
        }
        try await governor.reloadLimits()
        try await audit?.record("limit.removed", of: request, context, resource: "limit:\(subject.description)/\(name.rawValue)")
        return Response.json(["deleted": true, "subject": .string(subject.description), "name": .string(name.rawValue)])
    }

    /// The limits of the org `subject` belongs to, if the caller may change them: a key of its
    /// own org (any org's for a server owner); an org only for a server owner. Another org's key
    /// or org is not found.
    private func store(for subject: LimitSubject, _ context: NexusRequestContext) async throws -> UsageStore {
        let caller = context.caller ?? .anonymous
        let owner = OrgScope.isServerOwner(caller)
        let store: UsageStore
        do {
            store = try await usage.owning(subject)
        } catch let error as NexusError where error.code == .notFound {
            throw NexusError(.notFound, "\(subject.description.prefix(60)) names nothing you can limit; GET /admin/keys lists your keys")
        }
        guard owner || store.org == caller.org.rawValue else {
            throw NexusError(.notFound, "\(subject.description.prefix(60)) names nothing you can limit; GET /admin/keys lists your keys")
        }
        if case .org = subject, !owner {
            throw NexusError(.forbidden, "an org's own limits are set by the server's owner; set limits on your keys (key:ID) instead")
        }
        return store
    }

    private func limitPath(_ context: NexusRequestContext) throws -> (LimitSubject, UsageLimitName) {
        (try LimitSubject(validating: context.parameters.require("subject")), try UsageLimitName(validating: context.parameters.require("name")))
    }
}
