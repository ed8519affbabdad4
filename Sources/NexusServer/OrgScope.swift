import Hummingbird
import NexusCore

/// The org an administration request acts in: its key's own. A server owner (an owner key of the
/// default org) may name another with `?org=NAME`; for anyone else naming another org is as if
/// it did not exist (404, never 403), so a key cannot even learn which orgs there are.
enum OrgScope {
    static func of(_ request: Request, _ context: NexusRequestContext) throws -> OrgName {
        try named(request.uri.queryParameters.get("org").map { String($0) }, by: context.caller)
    }

    /// The org `asked` names (the caller's own when nil), if `caller` may act in it: its own,
    /// or any for a server owner; another is not found.
    static func named(_ asked: String?, by caller: Caller?) throws -> OrgName {
        let caller = caller ?? .anonymous
        guard let asked else { return caller.org }
        let name = try OrgName(asked)
        guard name == caller.org || isServerOwner(caller) else { throw notFound(name) }
        return name
    }

    static func isServerOwner(_ caller: Caller?) -> Bool {
        caller?.key?.isServerOwner ?? false
    }

    static func notFound(_ name: OrgName) -> NexusError {
        NexusError(.notFound, "there is no org '\(name)'; GET /admin/orgs lists the orgs you can see")
    }
}
