import Foundation
import Hummingbird
import NexusAPI
import NexusCore
import NexusInference
import NexusStore
import NexusTools

/// `POST /admin/reload`: the configuration a running server reads, read again now. The
/// gateway's routes (`gateway.json`) are taken for the next call; a file that does not read is
/// refused (400) and nothing changes. Limits are
/// reloaded at once (the server would otherwise see a change made by another process within two
/// seconds). Policy profiles are read from their folder at every run start, so a changed file
/// needs no restart; this checks each one against the server's bounds and says which would be
/// refused, and why, before a run meets it. Admins of the default org only (the configuration is
/// the server's); an audit event (`config.reloaded`).
struct ReloadRoutes: Sendable {
    let configuration: ServerConfiguration
    let governor: UsageGovernor
    let usage: UsageStore
    let database: NexusDatabase
    let gateway: Gateway
    let audit: AuditLog?

    func register(on router: Router<NexusRequestContext>) {
        router.post("/admin/reload") { request, context in
            guard (context.caller ?? .anonymous).org == .default else {
                throw NexusError(.forbidden, "the server's configuration is reloaded by an admin of the default org")
            }
            // gateway.json first: a file that does not read refuses the reload before anything changes.
            let routes = try await BlockingWork.run {
                try GatewayConfiguration.load(home: configuration.home, defaultModel: configuration.defaultModel)
            }
            await gateway.reload(routes)
            try await governor.reloadLimits()
            let limits = try await usage.everyOrgsLimits().count
            let (profiles, problems) = try await BlockingWork.run { checkedProfiles() }
            try await audit?.record("config.reloaded", of: request, context, resource: "config:server",
                                    details: ["limits": .number(Double(limits)), "profiles": .array(profiles.map(JSONValue.string)),
                                              "problems": .number(Double(problems.count))])
            return Response.json(["limits": .number(Double(limits)), "profiles": .array(profiles.map(JSONValue.string)),
                                  "problems": .array(problems.map { ["profile": .string($0.profile), "error": .string($0.error)] })])
        }
    }

    /// Every profile (admin ones included) and, for each that a run would refuse, why.
    private func checkedProfiles() -> (names: [String], problems: [(profile: String, error: String)]) {
        let profiles = PolicyProfiles(folder: configuration.policyProfilesFolder, includesAdminProfiles: true)
        let bounds = RunPolicyBounds(ceilings: configuration.agentCeilings.toolLimits, home: configuration.home.path, databaseFile: database.url?.path)
        let workspace = configuration.home.appendingPathComponent("workspaces/reload-check").path
        let names = profiles.names()
        var problems: [(String, String)] = []
        for name in names {
            do {
                try bounds.check(try profiles.profile(named: name), profile: name, workspace: workspace)
            } catch {
                problems.append((name, (error as? NexusError)?.message ?? "\(error)"))
            }
        }
        return (names, problems)
    }
}
