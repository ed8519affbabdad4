import Foundation
import Hummingbird
import HTTPTypes
import Logging
import NexusAPI
import NexusCore
import NexusStore

/// The outermost layer: gives each request an id, checks its key against the route's permission,
/// turns every error into the API's own error shape (no stack traces, no 5xx for the client's
/// mistakes), logs one structured line per request and records its route, status and latency.
/// Secrets never reach the log: no headers, no bodies; only the key's public id.
struct EdgeMiddleware: RouterMiddleware {
    typealias Context = NexusRequestContext
    let metrics: ServerMetrics
    let access: AccessPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        // Hummingbird gives every request an id (logged as hb.request.id); clients see it too.
        // Read without `context.id`, which traps when the logger has none (the router test client).
        let requestID = context.logger[metadataKey: "hb.request.id"]?.description ?? RandomID.make()
        var context = context
        context.requestID = requestID
        var response: Response
        do {
            context.caller = try await authorize(request)
            response = try await next(request, context)
        } catch {
            response = Self.errorResponse(for: error, path: request.uri.path, method: request.method, logger: context.logger)
        }
        response.headers[.init("X-Request-ID")!] = requestID
        response.headers.set(context.responseHeaders.all)
        let route = context.endpointPath ?? "unmatched"
        let status = Int(response.status.code)
        let (metrics, logger, method, path, keyID) = (metrics, context.logger, request.method.rawValue, request.uri.path, context.caller?.keyID ?? "-")
        // Latency runs to the body's last byte: a streamed answer is timed whole, not to its head.
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            defer {
                let duration = ContinuousClock.now - started
                metrics.recordRequest(route: route, method: method, status: status, duration: duration)
                logger.info("request", metadata: [
                    "method": .string(method), "path": .string(path), "route": .string(route), "status": .stringConvertible(status),
                    "ms": .stringConvertible(Int(duration.inSeconds * 1000)), "key_id": .string(keyID),
                ])
            }
            try await body.write(writer)
        }
        return response
    }

    /// Who is calling, if the route's permission lets them.
    /// - Throws: `NexusError` `.unauthorized` (401) or `.forbidden` (403), `.backendUnavailable` when keys cannot be read.
    private func authorize(_ request: Request) async throws -> Caller {
        let decision: AccessDecision
        do {
            decision = try await access.authorizeAsync(method: request.method.rawValue, path: request.uri.path,
                                            authorization: request.headers[.authorization], provenance: Self.provenance(of: request))
        } catch {
            throw NexusError(.backendUnavailable, "the API keys cannot be read right now; try again shortly")
        }
        if !decision.isAllowed, access.routes.rule(method: request.method.rawValue, path: request.uri.path) == nil {
            // No rule means no route: a mistyped path is told so, not asked for a key. A route
            // the table missed would also end here, refused, never served without its check.
            throw NexusError(.notFound, "no route \(request.method.rawValue) \(request.uri.path); see docs/openapi.yaml for the API")
        }
        switch decision {
        case .allowed(let caller): return caller
        case .unauthenticated: throw NexusError(.unauthorized, decision.message ?? AccessDecision.unauthenticatedMessage)
        case .forbidden: throw NexusError(.forbidden, decision.message ?? "this key's role may not use this route")
        case .foreignRequest(let reason): throw NexusError(.forbidden, reason)
        }
    }

    /// Where the request says it comes from. HTTP/1.1's `Host` reaches Hummingbird as the
    /// request's authority (NIO moves it there); a `Host` field that stays is checked as well.
    /// Every value of a repeated field counts (joined with commas, so one foreign value refuses the
    /// request), and an absolute-form target (`POST http://host/path`) names a host too.
    static func provenance(of request: Request) -> LoopbackRequestGuard.Provenance {
        func all(_ name: String) -> String? {
            let values = request.headers[values: .init(name)!]
            return values.isEmpty ? nil : values.joined(separator: ",")
        }
        let target = request.uri.host.map { host in request.uri.port.map { "\(host):\($0)" } ?? host }
        return LoopbackRequestGuard.Provenance(
            hosts: [request.head.authority, target].compactMap { $0 } + request.headers[values: .init("Host")!],
            origin: all("Origin"),
            fetchSite: all("Sec-Fetch-Site"))
    }

    /// The error as the route's API writes it.
    static func errorResponse(for error: any Error, path: String, method: HTTPRequest.Method, logger: Logger) -> Response {
        if let refusal = error as? LimitRefusal { return limitResponse(refusal, path: path) }
        let failure = nexusError(error, path: path, method: method)
        if failure.httpStatus >= 500 {
            logger.error("request failed", metadata: ["code": .string(failure.code.raw), "error": .string(failure.message)])
        }
        var headers: HTTPFields = [:]
        if failure.code == .overloaded { headers[.retryAfter] = "1" }
        if failure.code == .unauthorized { headers[.wwwAuthenticate] = AccessDecision.challenge }
        let status = HTTPResponse.Status(code: failure.httpStatus)
        switch APIDialect(path: path) {
        case .ollama:
            return Response.json(OllamaResponses.error(failure.message), status: status, headers: headers)
        case .openAI:
            return Response.json(OpenAIResponses.error(failure.message, type: failure.openAIType, code: failure.code.raw),
                                 status: status, headers: headers)
        }
    }

    /// 429 for a rate limit or quota, with `Retry-After` and the rate-limit headers.
    private static func limitResponse(_ refusal: LimitRefusal, path: String) -> Response {
        var headers: HTTPFields = [:]
        headers.set(refusal.responseHeaders)
        switch APIDialect(path: path) {
        case .ollama:
            return Response.json(OllamaResponses.error(refusal.message), status: .tooManyRequests, headers: headers)
        case .openAI:
            return Response.json(OpenAIResponses.error(refusal.message, type: refusal.openAIType, code: refusal.openAICode),
                                 status: .tooManyRequests, headers: headers)
        }
    }

    private static func nexusError(_ error: any Error, path: String, method: HTTPRequest.Method) -> NexusError {
        switch error {
        case let error as NexusError:
            return error
        case let error as HTTPError:
            switch error.status {
            case .notFound:
                return NexusError(.notFound, "no route \(method.rawValue) \(path); see docs/openapi.yaml for the API")
            case .methodNotAllowed:
                return NexusError(.notFound, "\(path) does not accept \(method.rawValue)")
            case .contentTooLarge:
                return NexusError(.payloadTooLarge, "the request body is too large")
            case .badRequest:
                return NexusError(.invalidArgument, error.body ?? "the request is malformed")
            default:
                return NexusError(error.status.code < 500 ? .invalidArgument : .inferenceFailed, error.body ?? error.status.reasonPhrase)
            }
        case is CancellationError:
            return NexusError(.cancelled, "the request was cancelled")
        default:
            return NexusError(.inferenceFailed, "internal error (\(type(of: error))); the server goes on, try again")
        }
    }
}
