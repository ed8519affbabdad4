import Foundation
import Hummingbird
import MCP
import NIOCore
import NexusAPI
import NexusAgent
import NexusCore
import NexusMCP
import NexusStore
import NexusTools

/// `/mcp`: Nexus as an MCP server over Streamable HTTP: protocol 2025-11-25 with sessions, and
/// single requests of the 2026-07-28 stateless form (``MCPStatelessRequest``).
///
/// A request needs an API key that may execute tools (the route table says so before this runs),
/// and a browser's `Origin`, when sent, must be this server's own: a page cannot drive tools even
/// with a key it was given. Each session is bound to its key: the tools run under the policy
/// profile the client names (`X-Nexus-Profile` or `?profile=`; `default` otherwise, the admin
/// profiles for admin keys only) in the key's own folder, `$NEXUS_HOME/workspaces/KEY_ID/mcp`,
/// and the runs and traces it reads are the key's (all for admins).
struct MCPRoutes: Sendable {
    static let path = "/mcp"

    let agents: AgentRoutes
    let sessions: MCPSessions
    let configuration: ServerConfiguration
    let database: NexusDatabase
    let makeTools: @Sendable (OrgName) throws -> ToolRegistry
    let version: String
    /// `NEXUS_MCP_ORIGINS`, read once.
    let extraOrigins = Set((ProcessInfo.processInfo.environment["NEXUS_MCP_ORIGINS"] ?? "").split(separator: ",")
        .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })

    func register(on router: Router<NexusRequestContext>) {
        for method in [HTTPRequest.Method.post, .get, .delete] {
            router.on(RouterPath(Self.path), method: method) { request, context in try await handle(request, context) }
        }
    }

    private func handle(_ request: Request, _ context: NexusRequestContext) async throws -> Response {
        guard case .key(let key)? = context.caller else {
            throw NexusError(.unauthorized, AccessDecision.unauthenticatedMessage)
        }
        if let origin = request.headers[.origin], !allowsOrigin(origin) {
            throw NexusError(.forbidden, "the MCP endpoint does not take requests from the web page origin '\(origin.prefix(100))'; an admin may allow it with NEXUS_MCP_ORIGINS")
        }
        let body = try await request.body.collect(upTo: configuration.maxBodyBytes)
        let mcpRequest = MCP.HTTPRequest(method: request.method.rawValue, headers: Self.headers(of: request),
                                         body: body.readableBytes > 0 ? Data(buffer: body) : nil, path: Self.path)
        if let sessionID = mcpRequest.header(HTTPHeaderName.sessionID) {
            guard let transport = await sessions.transport(sessionID, keyID: key.id) else {
                return Self.response(.error(statusCode: 404, MCPError.invalidRequest("no MCP session '\(sessionID.prefix(80))'; initialize a new one")))
            }
            let response = await transport.handleRequest(mcpRequest)
            if request.method == .delete { await sessions.remove(sessionID) }
            return Self.response(response)
        }
        let profile = request.headers[.init("X-Nexus-Profile")!] ?? request.uri.queryParameters.get("profile")
        if let version = MCPStatelessRequest.requestedVersion(mcpRequest) {
            return Self.response(try await MCPStatelessRequest.answer(mcpRequest, version: version, scope: { try await scope(for: key, profile: profile) },
                                                                      serverVersion: self.version))
        }
        return try await open(mcpRequest, profile: profile, key: key)
    }

    /// A request without a session and of no stateless version: an `initialize` opens a session;
    /// anything else is refused by the transport.
    private func open(_ mcpRequest: MCP.HTTPRequest, profile: String?, key: KeyRecord) async throws -> Response {
        let scope = try await scope(for: key, profile: profile)
        let transport = StatefulHTTPServerTransport(validationPipeline: StandardValidationPipeline(validators: [
            AcceptHeaderValidator(mode: .sseRequired), ContentTypeValidator(), ProtocolVersionValidator(), SessionValidator(),
        ]))
        let server = await NexusMCPServer.make(scope: scope, version: version)
        try await server.start(transport: transport)
        let response = await transport.handleRequest(mcpRequest)
        if let id = response.headers.first(where: { $0.key.lowercased() == HTTPHeaderName.sessionID.lowercased() })?.value {
            await sessions.add(id, server: server, transport: transport, keyID: key.id)
        } else {
            await server.stop()
        }
        return Self.response(response)
    }

    private func scope(for key: KeyRecord, profile: String?) async throws -> MCPServingScope {
        let workspace = try agents.workspaceFolder("mcp", owner: key)
        let name = profile ?? PolicyProfiles.defaultName
        let policy = try agents.profile(named: name, workspace: workspace, caller: key)
        try agents.createFolder(workspace)
        let agent = try agents.budgets(RequestFields(JSONObject()), owner: key)
        let (agents, model) = (self.agents, agents.service.defaultRunModel(configuration))
        let runAgent: @Sendable (String) async throws -> MCPAgentRun = { task in
            let (id, _) = try await agents.launch(task: task, model: try agents.service.catalog.resolve(model), agent: agent, workspace: workspace,
                                                  policy: policy, actor: .key(key.id, ip: nil, userAgent: nil),
                                                  account: UsageAccount(caller: .key(key), requestID: RandomID.make()), profile: name,
                                                  route: "/mcp agent_run")
            let record = try await agents.finished(id, org: key.org)
            return MCPAgentRun(runID: id, status: record.status, outcome: record.outcome ?? .unknown, answer: record.answer ?? record.failure ?? "")
        }
        return MCPServingScope(tools: try makeTools(key.org), policy: policy, profileName: name, workspace: workspace, database: database.scoped(to: key.org),
                               ownerKeyID: key.id, readScope: RunAccess.scope(of: .key(key)), runAgent: runAgent)
    }

    /// This server's own origins (a loopback one with its port, or its bound host), and those an
    /// admin lists in `NEXUS_MCP_ORIGINS` (comma-separated).
    private func allowsOrigin(_ origin: String) -> Bool {
        let origin = origin.trimmingCharacters(in: .whitespaces).lowercased()
        if LoopbackRequestGuard(port: configuration.port).isOwnOrigin(origin) || origin == "http://\(configuration.host):\(configuration.port)".lowercased() {
            return true
        }
        return extraOrigins.contains(origin)
    }

    private static func headers(of request: Request) -> [String: String] {
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
        }
        if let authority = request.head.authority { headers["host"] = authority }
        return headers
    }

    private static func response(_ response: MCP.HTTPResponse) -> Response {
        if case .stream(let stream, _) = response {
            return .plain(status: response.statusCode, headers: response.headers, stream: stream)
        }
        return .plain(status: response.statusCode, headers: response.headers, body: response.bodyData ?? Data())
    }
}
