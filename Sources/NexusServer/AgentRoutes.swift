import Foundation
import Hummingbird
import NexusAPI
import NexusAgent
import NexusCore
import NexusMCP
import NexusModules
import NexusStore
import NexusTools

/// Server-side agents: `POST /v1/agent/runs` starts the autonomous loop, the events of a run
/// stream as SSE (replay, then live; resumable with `Last-Event-ID`), and a run can be cancelled.
struct AgentRoutes: Sendable {
    let service: InferenceService
    let hub: AgentRunHub
    let configuration: ServerConfiguration
    let database: NexusDatabase
    let makeRunner: ServerDependencies.MakeAgentRunner
    let audit: AuditLog?
    /// For feedback that rolls a replayed module back; nil demotes the trace and passes the module over.
    var lifecycle: (@Sendable () throws -> ModuleLifecycle)? = nil
    var governor: UsageGovernor { service.governor }

    func register(on router: Router<NexusRequestContext>) {
        router.post("/v1/agent/runs") { request, context in
            let caller = try key(context)
            return try await start(request, caller: caller, actor: Self.actor(request, context, caller), account: context.usageAccount)
        }
        router.get("/v1/agent/runs") { request, context in try await list(request, caller: context.caller ?? .anonymous) }
        router.get("/v1/agent/runs/{id}") { request, context in
            let caller = context.caller ?? .anonymous
            let org = try OrgScope.of(request, context)
            let record = try await record(context.parameters.require("id"), for: caller, in: org)
            return Response.json(AgentEventJSON.run(record, steps: try await runs(of: org).loadSteps(runID: record.id)))
        }
        router.get("/v1/agent/runs/{id}/context") { request, context in
            let caller = context.caller ?? .anonymous
            let record = try await record(context.parameters.require("id"), for: caller, in: try OrgScope.of(request, context))
            return Response.json(AgentEventJSON.context(of: record))
        }
        router.get("/v1/agent/runs/{id}/events") { request, context in
            try await events(request, id: context.parameters.require("id"), caller: context.caller ?? .anonymous)
        }
        router.post("/v1/agent/runs/{id}/feedback") { request, context in
            let caller = try key(context)
            return try await feedback(request, id: context.parameters.require("id"), caller: caller, actor: Self.actor(request, context, caller))
        }
        router.post("/v1/agent/runs/{id}/resume") { request, context in
            let caller = try key(context)
            return try await resume(request, id: context.parameters.require("id"), caller: caller,
                                    actor: Self.actor(request, context, caller), account: context.usageAccount)
        }
        router.post("/v1/agent/runs/{id}/cancel") { request, context in
            let caller = try key(context)
            return try await cancel(context.parameters.require("id"), caller: caller, actor: Self.actor(request, context, caller))
        }
    }

    /// The key of a request that runs or controls agents. The edge lets none through without
    /// one (executing tools is never open); this says so again rather than assume it.
    private func key(_ context: NexusRequestContext) throws -> KeyRecord {
        guard case .key(let key)? = context.caller else {
            throw NexusError(.unauthorized, AccessDecision.unauthenticatedMessage)
        }
        return key
    }

    /// Who a request with `key` comes from, for the audit log: the key, its address and client.
    static func actor(_ request: Request, _ context: NexusRequestContext, _ key: KeyRecord) -> AuditActor {
        .key(key.id, ip: context.channel.remoteAddress?.ipAddress, userAgent: request.headers[.userAgent])
    }

    private func start(_ request: Request, caller: KeyRecord, actor: AuditActor, account: UsageAccount) async throws -> Response {
        let fields = try await request.fields(limit: configuration.maxBodyBytes)
        let task = try fields.requiredString("task")
        guard !task.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw NexusError(.invalidArgument, "'task' is empty; say what the agent should do")
        }
        let model = try service.catalog.resolve(try fields.string("model") ?? service.defaultRunModel(configuration))
        let agent = try budgets(fields, owner: caller)
        let workspace = try workspaceFolder(try fields.string("workspace"), owner: caller)
        let profile = try fields.string("profile") ?? PolicyProfiles.defaultName
        let policy: CapabilityPolicy
        do {
            policy = try self.policy(fields, profile: profile, workspace: workspace, caller: caller)
        } catch let error as NexusError where error.code == .forbidden {
            try await audit?.scoped(to: caller.org).record("policy.refused", actor: actor, resource: "profile:\(profile)",
                                    details: ["reason": .string(error.message), "route": "POST /v1/agent/runs"])
            throw error
        }
        try createFolder(workspace)
        let (id, warnings) = try await launch(task: task, model: model, agent: agent, workspace: workspace, policy: policy,
                                              actor: actor, account: account, profile: profile, route: "POST /v1/agent/runs")
        guard let record = try await runs(of: caller.org).loadRun(id: id) else {
            throw NexusError(.inferenceFailed, "run \(id) was started but is not in the store")
        }
        var body = AgentEventJSON.run(record, steps: nil).objectValue ?? [:]
        body["events_url"] = .string("/v1/agent/runs/\(id)/events")
        if !warnings.isEmpty { body["warnings"] = .array(warnings.map(JSONValue.string)) }
        return Response.json(.object(body), status: .created, headers: [.location: "/v1/agent/runs/\(id)"])
    }

    /// Starts a run within `account`'s limits and the server's limit on runs at once, its model
    /// leased and the MCP servers its policy names started until it ends.
    /// - Returns: The run's id, and a line for each MCP server that could not be used.
    /// The start is an audit event (`run.started`) of `actor`, naming the profile and the route.
    /// A run reserves its budget of generated tokens and one run unit per step it may take; it
    /// is metered when it ends (`run:ID`).
    func launch(task: String, model: String, agent: AgentConfiguration, workspace: URL, policy: CapabilityPolicy,
                actor: AuditActor, account: UsageAccount, profile: String, route: String,
                resuming runID: String? = nil) async throws -> (id: String, warnings: [String]) {
        let ticket = try await governor.admit(account, UsageCost(requests: 1, tokens: agent.maxTokens,
                                                                 runUnits: RunUnits.run(actingSteps: agent.maxSteps)))
        do {
            return try await launch(task: task, model: model, agent: agent, workspace: workspace, policy: policy, actor: actor,
                                    ticket: ticket, profile: profile, route: route, resuming: runID)
        } catch {
            governor.settle(ticket, nil)
            throw error
        }
    }

    private func launch(task: String, model: String, agent: AgentConfiguration, workspace: URL, policy: CapabilityPolicy,
                        actor: AuditActor, ticket: UsageTicket, profile: String, route: String,
                        resuming resumedID: String?) async throws -> (id: String, warnings: [String]) {
        try await hub.takePlace()
        let runner: AgentRunner
        let mcp: MCPClientTools
        let release: @Sendable () async -> Void
        do {
            mcp = try await MCPClientTools.start(home: configuration.home, policy: policy,
                                                 credentials: CredentialStore(database: database.scoped(to: agent.org), home: configuration.home,
                                                                              audit: audit?.scoped(to: agent.org)))
            do {
                let lease = try await service.runBackend(model: model, org: agent.org.rawValue)
                do {
                    var made = try makeRunner(lease.backend, agent, mcp.tools, database.scoped(to: agent.org))
                    // Each turn's prompt is reserved before the model reads it, where a limit counts tokens.
                    if ticket.countsTokens { made.promptAdmission = { [governor] tokens in
                        do {
                            try await governor.extend(ticket, UsageCost(tokens: tokens))
                        } catch let refusal as LimitRefusal {
                            throw NexusError(.forbidden, refusal.message)
                        }
                    } }
                    runner = made
                    release = lease.release
                } catch {
                    await lease.release()
                    throw error
                }
            } catch {
                await mcp.stop()
                throw error
            }
        } catch {
            await hub.releasePlace()
            throw error
        }
        let (hub, governor, database) = (self.hub, self.governor, self.database.scoped(to: agent.org))
        let events = resumedID.map { runner.resume(runID: $0) } ?? runner.start(task: task, workspace: workspace, policy: policy)
        // A resumed stretch is metered apart, for what it used beyond what was metered before.
        let stretch = resumedID.map { _ in "resumed-\(Int(Date().timeIntervalSince1970 * 1000))" }
        let id = try await hub.start(events, store: RunStore(database: database)) { runID in
            await mcp.stop()
            await release()
            await hub.releasePlace()
            governor.settle(ticket, try? await RunUsage.event(runID, ticket: ticket, model: model, database: database, resumed: stretch))
        }
        try await audit?.scoped(to: agent.org).record(resumedID == nil ? "run.started" : "run.resumed", actor: actor, resource: "run:\(id)",
                                details: ["model": .string(model), "profile": .string(profile), "route": .string(route),
                                          "task": .string(String(task.prefix(200)))])
        return (id, mcp.problems)
    }

    /// A run of `org` started by ``launch(task:model:agent:workspace:policy:actor:account:profile:route:)`` once it has ended.
    func finished(_ id: String, org: OrgName) async throws -> RunRecord {
        if let live = await hub.events(of: id, after: 0) {
            for await _ in live {}
        }
        guard let record = try await runs(of: org).loadRun(id: id) else {
            throw NexusError(.inferenceFailed, "run \(id) ended but is not in the store")
        }
        return record
    }

    /// The run's budgets: what the request asks, within the server's ceilings (more is refused).
    func budgets(_ fields: RequestFields, owner: KeyRecord) throws -> AgentConfiguration {
        let ceilings = configuration.agentCeilings
        var agent = AgentConfiguration()
        agent.ownerKeyID = owner.id
        agent.org = owner.org
        agent.maxSteps = min(agent.maxSteps, ceilings.maxSteps)
        agent.maxTokens = min(agent.maxTokens, ceilings.maxTokens)
        agent.maxWallSeconds = min(agent.maxWallSeconds, ceilings.maxSeconds)
        if let steps = try fields.number("max_steps") {
            agent.maxSteps = Int(try Self.budget(steps, "max_steps", maximum: Double(ceilings.maxSteps), whole: true))
        }
        if let tokens = try fields.number("max_tokens") {
            agent.maxTokens = Int(try Self.budget(tokens, "max_tokens", maximum: Double(ceilings.maxTokens), whole: true))
        }
        if let seconds = try fields.number("max_seconds") {
            agent.maxWallSeconds = try Self.budget(seconds, "max_seconds", maximum: ceilings.maxSeconds, whole: false)
        }
        agent.parallelCalls = try fields.bool("parallel_calls") ?? false
        agent.looksAhead = true
        agent.writesProgramFirst = try fields.bool("program_first") ?? true
        agent.programCandidates = AgentConfiguration.defaultProgramCandidates
        if let candidates = try fields.number("program_candidates") {
            let allowed = 1...AgentConfiguration.maxProgramCandidates
            guard candidates == candidates.rounded(), allowed.contains(Int(exactly: candidates) ?? 0) else {
                throw NexusError(.invalidArgument, "'program_candidates' must be a whole number from 1 to \(allowed.upperBound)")
            }
            agent.programCandidates = Int(candidates)
        }
        return agent
    }

    /// A budget a request asks for: 400 when it is not a positive number, 403 above the ceiling.
    private static func budget(_ value: Double, _ name: String, maximum: Double, whole: Bool) throws -> Double {
        guard value > 0, !whole || value == value.rounded() else {
            throw NexusError(.invalidArgument, "'\(name)' must be a \(whole ? "whole " : "")number greater than 0")
        }
        guard value <= maximum else {
            throw NexusError(.forbidden, "'\(name)' asks for \(RunPolicyBounds.number(value)), above this server's maximum of \(RunPolicyBounds.number(maximum)); ask for less")
        }
        return value
    }

    /// The run's capability policy: the profile the request names (`default` when none; an admin
    /// key may also name one of `policies/admin/`), checked against the server's bounds, then
    /// narrowed by the request's `policy`, if any.
    private func policy(_ fields: RequestFields, profile name: String, workspace: URL, caller: KeyRecord) throws -> CapabilityPolicy {
        let profile = try profile(named: name, workspace: workspace, caller: caller)
        let bounds = RunPolicyBounds(ceilings: configuration.agentCeilings.toolLimits, home: configuration.home.path,
                                     databaseFile: database.url?.path)
        guard let asked = try fields.fields("policy") else { return profile }
        let policy = try PolicyNarrowing(profileName: name, profile: profile, workspace: PolicyPath.resolved(workspace.path, workspace: "/"))
            .narrowed(by: asked.object)
        try bounds.check(policy, profile: name, workspace: workspace.path)
        return policy
    }

    /// The policy profile `name` as `caller` may use it (`policies/admin/` for admin keys), checked
    /// against the server's bounds.
    func profile(named name: String, workspace: URL, caller: KeyRecord) throws -> CapabilityPolicy {
        let profiles = PolicyProfiles(folder: configuration.policyProfilesFolder, includesAdminProfiles: caller.role >= .admin)
        let profile = try profiles.profile(named: name)
        try RunPolicyBounds(ceilings: configuration.agentCeilings.toolLimits, home: configuration.home.path, databaseFile: database.url?.path)
            .check(profile, profile: name, workspace: workspace.path)
        return profile
    }

    /// The run's folder, `$NEXUS_HOME/workspaces/KEY_ID/NAME`: a client names it, never a path of
    /// its own, and each key has its own folders, so one key's run never sees another's files.
    func workspaceFolder(_ name: String?, owner: KeyRecord) throws -> URL {
        let folderName = name ?? "run-" + RandomID.make().prefix(12)
        guard !folderName.isEmpty, folderName.count <= 100, !folderName.hasPrefix("."),
              folderName.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw NexusError(.invalidArgument, "'workspace' must be a folder name (letters, digits, '-', '_', '.'); it lives under $NEXUS_HOME/workspaces")
        }
        return configuration.home.appendingPathComponent("workspaces", isDirectory: true)
            .appendingPathComponent(owner.id, isDirectory: true)
            .appendingPathComponent(folderName, isDirectory: true)
    }

    func createFolder(_ folder: URL) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw NexusError(.ioError, "cannot create the workspace \(folder.path): \(error.localizedDescription)")
        }
    }

    private func list(_ request: Request, caller: Caller) async throws -> Response {
        let limit = request.uri.queryParameters.get("limit", as: Int.self) ?? 50
        guard (1...1000).contains(limit) else { throw NexusError(.invalidArgument, "'limit' must be from 1 to 1000") }
        let status = try request.uri.queryParameters.get("status").map { name in
            guard let status = RunStatus(rawValue: name) else {
                throw NexusError(.invalidArgument, "'status' must be one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", ")), not '\(name.prefix(40))'")
            }
            return status
        }
        let query = request.uri.queryParameters
        let mode = try query.get("mode").map { name in
            guard let mode = HopeMode(rawValue: name) else {
                throw NexusError(.invalidArgument, "'mode' must be one of \(HopeMode.allCases.map(\.rawValue).joined(separator: ", ")), not '\(name.prefix(40))'")
            }
            return mode
        }
        // One more than asked tells whether another page follows.
        // A server owner may read another org's runs (`?org=NAME`); for anyone else that org does not exist.
        let org = try OrgScope.named(query.get("org"), by: caller)
        let listed = try await runs(of: org).list(
            limit: limit + 1, status: status, mode: mode, model: query.get("model"), ownerKeyID: query.get("key_id"),
            before: query.get("before"), scope: RunAccess.scope(of: caller))
        let page = listed.prefix(limit)
        return Response.json(["object": "list", "data": .array(page.map { AgentEventJSON.run($0, steps: nil) }),
                              "has_more": .bool(listed.count > limit), "last_id": page.last.map { JSONValue.string($0.id) } ?? .null])
    }

    /// The runs of `org`: the store sees no other org's runs, so another org's run is not found.
    private func runs(of org: OrgName) -> RunStore {
        RunStore(database: database.scoped(to: org))
    }

    /// The run, if `caller` may see it; another key's or another org's run is answered as no run at all.
    private func record(_ id: String, for caller: Caller, in org: OrgName? = nil) async throws -> RunRecord {
        guard let record = try await runs(of: org ?? caller.org).loadRun(id: id), RunAccess.mayRead(owner: record.ownerKeyID, caller: caller) else {
            throw NexusError(.notFound, "no agent run '\(id)'; list your runs with GET /v1/agent/runs")
        }
        return record
    }

    private func events(_ request: Request, id: String, caller: Caller) async throws -> Response {
        let org = try OrgScope.named(request.uri.queryParameters.get("org"), by: caller)
        let record = try await record(id, for: caller, in: org)
        let after = request.headers[.init("Last-Event-ID")!].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            ?? request.uri.queryParameters.get("after", as: Int.self) ?? 0
        if let live = await hub.events(of: id, after: after) {
            return Response.eventStream { send in
                for await event in live { try await send(event.serverSentEvent) }
            }
        }
        let past = AgentEventJSON.replay(record, steps: try await runs(of: org).loadSteps(runID: id))
        return Response.eventStream { send in
            for event in past where event.sequence > after { try await send(event.serverSentEvent) }
        }
    }

    /// `nexus feedback` over HTTP: judges a run good or bad. `bad` on a run that replayed a trace
    /// or ran its module demotes the trace and rolls the module back; good outcomes promote it
    /// again. Only the key that started the run, or an admin, judges it.
    private func feedback(_ request: Request, id: String, caller: KeyRecord, actor: AuditActor) async throws -> Response {
        let record = try await record(id, for: .key(caller))
        guard RunAccess.mayControl(owner: record.ownerKeyID, caller: .key(caller)) else {
            throw NexusError(.notFound, "no agent run '\(id)'; list your runs with GET /v1/agent/runs")
        }
        let body = try JSONValue.parse(String(buffer: try await request.bodyBytes(limit: 4096)))
        guard let verdict = body["verdict"]?.stringValue, ["good", "bad"].contains(verdict) else {
            throw NexusError(.invalidArgument, "the body must be {\"verdict\": \"good\"} or {\"verdict\": \"bad\"}")
        }
        let database = self.database.scoped(to: caller.org)
        let lifecycle = try? self.lifecycle?()
        let outcome = try await BlockingWork.run {
            try HopeFeedback(database: database, lifecycle: lifecycle).judge(runID: record.id, good: verdict == "good", actor: "key:\(caller.id)")
        }
        try await audit?.scoped(to: caller.org).record("run.judged", actor: actor, resource: "run:\(id)", details: ["verdict": .string(verdict)])
        return Response.json(["id": .string(id), "object": "agent.run.feedback", "outcome": .string(outcome.outcome.rawValue),
                              "effects": .array(outcome.lines.map(JSONValue.string))])
    }

    /// Continues a run that stopped before it finished: cancelled, or left running by a server
    /// that stopped. It goes on from its last saved step, with its own policy and workspace, the
    /// model it ran with and this server's default budgets. Only its starter or an admin resumes it.
    private func resume(_ request: Request, id: String, caller: KeyRecord, actor: AuditActor, account: UsageAccount) async throws -> Response {
        let record = try await record(id, for: .key(caller))
        guard RunAccess.mayControl(owner: record.ownerKeyID, caller: .key(caller)) else {
            throw NexusError(.notFound, "no agent run '\(id)'; list your runs with GET /v1/agent/runs")
        }
        guard await !hub.isLive(id) else {
            throw NexusError(.conflict, "run \(id) is running in this server; follow it at /v1/agent/runs/\(id)/events")
        }
        guard RunStatus.resumable.contains(record.status) else {
            throw NexusError(.conflict, "run \(id) ended (\(record.status.rawValue)); only a cancelled or interrupted run is resumed, so start a new one")
        }
        // An optional body may name the model and budgets, as a new run's does.
        let bytes = try await request.bodyBytes(limit: configuration.maxBodyBytes)
        let fields = bytes.readableBytes == 0 ? RequestFields([:]) : try RequestFields(body: Array(buffer: bytes))
        let policy = try record.policy.decoded(as: CapabilityPolicy.self)
        var agent = try budgets(fields, owner: caller)
        agent.org = caller.org
        let model = try service.catalog.resolve(try fields.string("model") ?? record.model)
        let (resumed, warnings) = try await launch(task: record.task, model: model, agent: agent,
                                                   workspace: URL(fileURLWithPath: record.workspace), policy: policy, actor: actor,
                                                   account: account, profile: "resumed", route: "POST /v1/agent/runs/{id}/resume", resuming: id)
        var body = AgentEventJSON.run(try await self.record(resumed, for: .key(caller)), steps: nil).objectValue ?? [:]
        body["events_url"] = .string("/v1/agent/runs/\(id)/events")
        if !warnings.isEmpty { body["warnings"] = .array(warnings.map(JSONValue.string)) }
        return Response.json(.object(body), status: .accepted)
    }

    /// Only the key that started a run, or an admin, cancels it; to any other key it does not exist.
    private func cancel(_ id: String, caller: KeyRecord, actor: AuditActor) async throws -> Response {
        let record = try await record(id, for: .key(caller))
        guard RunAccess.mayControl(owner: record.ownerKeyID, caller: .key(caller)) else {
            throw NexusError(.notFound, "no agent run '\(id)'; list your runs with GET /v1/agent/runs")
        }
        guard await hub.cancel(id) else {
            throw NexusError(.conflict, "run \(id) is not running in this server (status \(record.status)); nothing to cancel")
        }
        try await audit?.scoped(to: caller.org).record("run.cancelled", actor: actor, resource: "run:\(id)",
                                details: record.ownerKeyID == caller.id ? [:] : ["owner": .string(record.ownerKeyID ?? "none")])
        return Response.json(["id": .string(id), "object": "agent.run", "status": "cancelling"], status: .accepted)
    }
}
