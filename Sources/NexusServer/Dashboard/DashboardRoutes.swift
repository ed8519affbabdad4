import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NexusCore

/// The dashboard: a page, its styles and scripts, written here and embedded in the binary
/// (``DashboardAssets``), served at `/` to a browser and under `/ui/`. The files hold no data and
/// are open to anyone; every view reads the API with the key its user signs in with, sent as a
/// bearer header from the tab's session storage. `GET /v1/me` tells the page who that key is and
/// what it may do, so that the page shows only the controls the key's role may use.
struct DashboardRoutes: Sendable {
    /// Whether the server grants some permissions to key-less requests from this machine.
    let boundToLoopback: Bool

    /// Scripts and styles only from the server itself, nothing inline, no framing: a page that
    /// handles keys must not run code it did not ship.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        .cacheControl: "no-cache",
    ]

    func register(on router: Router<NexusRequestContext>) {
        // A browser asks for HTML and gets the dashboard; a client probing liveness (Ollama's
        // root answers "Ollama is running") gets the plain sentence it looks for.
        router.get("/") { request, _ in
            guard Self.acceptsHTML(request.headers[.accept]), let page = DashboardAssets.file(named: "index.html") else {
                return Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody(byteBuffer: ByteBuffer(string: "Nexus is running")))
            }
            return Self.response(page)
        }
        router.head("/") { _, _ in Response(status: .ok) }
        router.get("/ui/{file}") { _, context in
            let name = try context.parameters.require("file")
            guard let file = DashboardAssets.file(named: name) else {
                throw NexusError(.notFound, "the dashboard has no file '\(name.prefix(60))'; open / in a browser")
            }
            return Self.response(file)
        }
        router.get("/v1/me") { request, context in
            let caller = context.caller ?? .anonymous
            // A loopback server serves key-less reads, so a wrong key would read as no key at all;
            // a page signing in with it must hear that it is wrong.
            if caller == .anonymous, AccessPolicy.presentedKey(authorization: request.headers[.authorization]) != nil {
                throw NexusError(.unauthorized, "this API key is not valid: unknown, revoked or mistyped; ask an owner for a key (nexus keys create)")
            }
            return Response.json(Self.identity(of: caller, boundToLoopback: boundToLoopback))
        }
    }

    /// Who the caller is and every permission it holds (a key's role's, plus what a loopback
    /// server grants without a key), and those its role holds by itself.
    static func identity(of caller: Caller, boundToLoopback: Bool) -> JSONValue {
        let key = caller.key
        let held = Permission.allCases.filter { permission in
            if case .allowed = AccessPolicy.decide(permission: permission, key: key, boundToLoopback: boundToLoopback) { return true }
            return false
        }
        // What the key's role holds by itself: a loopback server also lends key-less rights
        // (generating, managing models) to any key, but a page offers a viewer no acting control.
        let own = Permission.allCases.filter { permission in key.map { $0.role.allows(permission) } ?? false }
        return .object([
            "authenticated": .bool(key != nil),
            "key": key.map { .object(["id": .string($0.id), "name": .string($0.name), "role": .string($0.role.rawValue), "org": .string($0.org.rawValue)]) } ?? .null,
            "org": .string(caller.org.rawValue),
            "permissions": .array(held.map { .string($0.rawValue) }),
            "role_permissions": .array(own.map { .string($0.rawValue) }),
        ])
    }

    static func acceptsHTML(_ accept: String?) -> Bool {
        guard let accept = accept?.lowercased() else { return false }
        return accept.contains("text/html") || accept.contains("application/xhtml+xml")
    }

    private static func response(_ file: DashboardAssets.File) -> Response {
        var headers = securityHeaders
        headers[.contentType] = file.contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }
}
