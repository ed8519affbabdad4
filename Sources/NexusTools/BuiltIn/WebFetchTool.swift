import AsyncHTTPClient
import Foundation
public import NexusCore

/// `web_fetch`: one HTTP GET or POST to a host the policy allows; returns status, content type and body.
///
/// Only hosts in `policy.networkHosts` are reached (`host` for any port, `host:port` for one; exact
/// names, no wildcards; an empty list means no network). Redirects are followed by hand, at most
/// ``maxRedirects``, and each new location is checked against the policy like the first. Every call
/// uses its own `HTTPClient` (no pooled connections shared with anything else, no connection retries,
/// no proxy), bounded by `policy.limits.wallSeconds`; the body kept is bounded by `outputBytes`.
public struct WebFetchTool: Tool {
    public var maxRedirects: Int

    public init(maxRedirects: Int = 5) {
        self.maxRedirects = maxRedirects
    }

    /// It computes or fetches what a question asks.
    public var answersQuestions: Bool { true }

    public var keywords: [String] { ["url", "http", "https", "fetch", "download", "web", "page", "site", "website"] }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "web_fetch",
            description: "Fetch a URL over HTTP. Returns the status, content type and body. Only hosts allowed by the user can be reached.",
            parameters: [
                "type": "object",
                "properties": [
                    "url": ["type": "string", "description": "Full URL, like \"http://127.0.0.1:8080/data.json\"."],
                    "method": ["type": "string", "enum": ["GET", "POST"], "description": "GET (default) or POST."],
                    "body": ["type": "string", "description": "Text to send with POST."],
                    "headers": [
                        "type": "object", "additionalProperties": ["type": "string"],
                        "description": "Extra request headers, like {\"Accept\": \"application/json\"}.",
                    ],
                ],
                "required": ["url"],
                "additionalProperties": false,
            ]
        )
    }

    /// Offered only when the policy allows some network destination.
    public func isUsable(under policy: CapabilityPolicy) -> Bool { !policy.networkHosts.isEmpty }

    public func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        let request: FetchRequest
        switch FetchRequest.make(arguments) {
        case .success(let made): request = made
        case .failure(let problem): return .error(problem.message)
        }
        let destinations = context.policy.networkHosts.compactMap { try? NetworkDestination(entry: $0) }
        if let refusal = Self.refusal(for: request.url, destinations: destinations, redirectedFrom: nil) {
            return refusal
        }
        let limits = context.policy.limits
        let wall = max(0.001, limits.wallSeconds)
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .milliseconds(Int64(min(wall, 10) * 1000)), read: .milliseconds(Int64(wall * 1000)))
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .disabled
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let result: ToolResult
        do {
            result = try await Self.withTimeLimit(seconds: wall, url: request.url) {
                try await fetch(request, client: client, destinations: destinations, wall: wall, maxBytes: limits.outputBytes)
            }
        } catch let error as NexusError {
            result = .error(error.message)
        } catch {
            result = .error("cannot fetch \(request.url.absoluteString): \(TransportFailure.reason(error))")
        }
        try? await client.shutdown()
        return result
    }

    // MARK: - Fetching

    private func fetch(_ first: FetchRequest, client: HTTPClient, destinations: [NetworkDestination], wall: Double, maxBytes: Int) async throws -> ToolResult {
        var request = first
        var redirects: [String] = []
        while true {
            var outgoing = HTTPClientRequest(url: request.url.absoluteString)
            outgoing.method = request.method == "POST" ? .POST : .GET
            outgoing.headers.add(name: "User-Agent", value: "nexus-web-fetch")
            for (name, value) in request.headers {
                if name.lowercased() == "user-agent" { outgoing.headers.remove(name: "User-Agent") }
                outgoing.headers.add(name: name, value: value)
            }
            if let body = request.body { outgoing.body = .bytes(Array(body.utf8)) }
            let response = try await client.execute(outgoing, timeout: .milliseconds(Int64(wall * 1000)))
            let status = Int(response.status.code)

            if [301, 302, 303, 307, 308].contains(status), let location = response.headers.first(name: "location"),
               let next = URL(string: location, relativeTo: request.url)?.absoluteURL {
                _ = try await Self.readBody(response.body, maxBytes: 0)  // release the connection
                guard redirects.count < maxRedirects else {
                    throw NexusError(.ioError, "\(first.url.absoluteString) redirected more than \(maxRedirects) times; stopped at \(next.absoluteString)")
                }
                if let refusal = Self.refusal(for: next, destinations: destinations, redirectedFrom: request.url) { return refusal }
                redirects.append(next.absoluteString)
                if status == 303 || (status != 307 && status != 308 && request.method == "POST") {
                    request.method = "GET"
                    request.body = nil
                }
                request.url = next
                continue
            }

            var head = "HTTP \(status) \(response.status.reasonPhrase)\n"
            let contentType = response.headers.first(name: "content-type")
            head += "content-type: \(contentType ?? "(none)")\n"
            if !redirects.isEmpty { head += "redirected to: \(redirects.joined(separator: " -> "))\n" }
            let budget = max(0, maxBytes - head.utf8.count - 120)
            let (bytes, complete) = try await Self.readBody(response.body, maxBytes: budget)
            let body: String
            if FileToolSupport.looksBinary(bytes) {
                body = "[binary body, \(complete ? FileToolSupport.bytes(bytes.count) : "over \(FileToolSupport.bytes(budget))"), not shown]"
            } else {
                body = OutputLimit.prefix(String(decoding: bytes, as: UTF8.self), maxBytes: budget)
                    + (complete ? "" : "\n[body truncated after \(FileToolSupport.bytes(budget)): the policy's output limit]")
            }
            let content = head + "\n" + body
            return status < 400 ? .ok(content, truncated: !complete) : ToolResult(status: .error, content: content, truncated: !complete)
        }
    }

    /// Up to `maxBytes` of a body, and whether that was all of it. Stops reading past the limit.
    private static func readBody(_ body: HTTPClientResponse.Body, maxBytes: Int) async throws -> ([UInt8], Bool) {
        var bytes: [UInt8] = []
        for try await chunk in body {
            bytes += chunk.readableBytesView
            if bytes.count > maxBytes {
                return (Array(bytes.prefix(maxBytes)), false)
            }
        }
        return (bytes, true)
    }

    // MARK: - Policy

    /// A `.refused` result unless the URL's host and port are in the policy.
    static func refusal(for url: URL, destinations: [NetworkDestination], redirectedFrom: URL?,
                        addressCheck: FetchAddressCheck = FetchAddressCheck()) -> ToolResult? {
        guard let host = url.host, let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            return .error("\(url.absoluteString) is not an http:// or https:// URL with a host")
        }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        if destinations.contains(where: { $0.allows(host: host, port: port) }) {
            return addressCheck.refusal(host: host, port: port, destinations: destinations).map { ToolResult.refused($0) }
        }
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let allowed = destinations.isEmpty ? "none: this run has no network access" : destinations.map(\.description).joined(separator: ", ")
        let subject = redirectedFrom.map { "\($0.absoluteString) redirects to \(url.absoluteString), but host" } ?? "host"
        return .refused("\(subject) \(shownHost):\(port) is not among the network hosts of this run (\(allowed))")
    }

    // MARK: - Helpers

    /// Runs `work`, cancelling it after `seconds`.
    private static func withTimeLimit<T: Sendable>(seconds: Double, url: URL, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                throw NexusError(.ioError, "fetching \(url.absoluteString) took longer than the policy's \(seconds) seconds")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

}

/// The checked arguments of one `web_fetch` call.
private struct FetchRequest: Sendable {
    struct Problem: Error {
        var message: String
    }

    var url: URL
    var method: String
    var body: String?
    var headers: [(String, String)]

    /// Header names the client sets itself; sending them from the model would confuse the request.
    static let reservedHeaders: Set<String> = ["host", "content-length", "transfer-encoding", "connection"]

    static func make(_ arguments: JSONValue) -> Result<FetchRequest, Problem> {
        guard let text = arguments["url"]?.stringValue?.trimmingCharacters(in: .whitespaces),
              let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty else {
            return .failure(Problem(message: "url must be a full http:// or https:// URL, like \"http://127.0.0.1:8080/\""))
        }
        let method = arguments["method"]?.stringValue ?? "GET"
        guard method == "GET" || method == "POST" else {
            return .failure(Problem(message: "method must be \"GET\" or \"POST\", not \"\(method)\""))
        }
        let body = arguments["body"]?.stringValue
        if body != nil, method != "POST" {
            return .failure(Problem(message: "a body is sent only with \"method\": \"POST\""))
        }
        var headers: [(String, String)] = []
        for (name, value) in arguments["headers"]?.objectValue ?? [:] {
            guard let value = value.stringValue else {
                return .failure(Problem(message: "header \(name) must have a string value"))
            }
            let tokenCharacters = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
            guard !name.isEmpty, name.allSatisfy(tokenCharacters.contains) else {
                return .failure(Problem(message: "\(JSONValue.string(name).jsonText) is not a valid header name"))
            }
            guard !value.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                return .failure(Problem(message: "the value of header \(name) must be one line"))
            }
            guard !reservedHeaders.contains(name.lowercased()) else {
                return .failure(Problem(message: "header \(name) is set by web_fetch itself; leave it out"))
            }
            headers.append((name, value))
        }
        return .success(FetchRequest(url: url, method: method, body: body, headers: headers))
    }
}
