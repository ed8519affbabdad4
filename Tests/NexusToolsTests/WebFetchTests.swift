import Foundation
import NexusCore
import NexusTools
import Testing

/// A tiny HTTP/1.1 server on 127.0.0.1 with a free port: answers each request with `respond`
/// and closes the connection. Stopped by `stop()`.
private final class LoopbackHTTPServer: @unchecked Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: String
    }

    struct Response: Sendable {
        var status = "200 OK"
        var headers: [(String, String)] = [("Content-Type", "text/plain")]
        var body = ""
    }

    let port: Int
    private let listener: Int32
    private let respond: @Sendable (Request) -> Response
    private let lock = NSLock()
    private var received: [Request] = []
    private let finished = DispatchSemaphore(value: 0)

    init(respond: @escaping @Sendable (Request) -> Response) throws {
        self.respond = respond
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(listener, generic, length) == 0 && listen(listener, 16) == 0 && getsockname(listener, generic, &length) == 0
            }
        }
        guard bound else {
            close(listener)
            throw NexusError(.ioError, "cannot listen on 127.0.0.1")
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    var requests: [Request] {
        lock.withLock { received }
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        finished.wait()
    }

    private func serve() {
        defer { finished.signal() }
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var headerEnd: Int?
        var expected = 0
        while headerEnd == nil || data.count < headerEnd! + 4 + expected {
            let count = recv(connection, &buffer, buffer.count, 0)
            if count <= 0 { return }
            data += buffer[0..<count]
            if headerEnd == nil, let range = findHeaderEnd(data) {
                headerEnd = range
                let head = String(decoding: data[0..<range], as: UTF8.self)
                for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                    expected = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
        }
        let head = String(decoding: data[0..<headerEnd!], as: UTF8.self)
        let lines = head.split(separator: "\r\n").map(String.init)
        let parts = lines.first?.split(separator: " ").map(String.init) ?? []
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let request = Request(method: parts.first ?? "", path: parts.count > 1 ? parts[1] : "", headers: headers,
                              body: String(decoding: data[(headerEnd! + 4)...], as: UTF8.self))
        lock.withLock { received.append(request) }
        let response = respond(request)
        var text = "HTTP/1.1 \(response.status)\r\nContent-Length: \(response.body.utf8.count)\r\nConnection: close\r\n"
        for (name, value) in response.headers { text += "\(name): \(value)\r\n" }
        let bytes = Array((text + "\r\n" + response.body).utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(connection, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { return }
            sent += count
        }
    }

    private func findHeaderEnd(_ data: [UInt8]) -> Int? {
        guard data.count >= 4 else { return nil }
        for index in 0...(data.count - 4) where data[index] == 13 && data[index + 1] == 10 && data[index + 2] == 13 && data[index + 3] == 10 {
            return index
        }
        return nil
    }
}

@Suite struct WebFetchTests {
    private let registry: ToolRegistry

    init() throws {
        registry = try ToolRegistry([WebFetchTool()])
    }

    private func fetch(_ arguments: JSONValue, hosts: [String], outputBytes: Int = 64 << 10) async -> ToolResult {
        var policy = CapabilityPolicy.default
        policy.networkHosts = hosts
        policy.limits.outputBytes = outputBytes
        policy.limits.wallSeconds = 10
        let context = ToolContext(workspace: URL(fileURLWithPath: "/nonexistent-workspace"), policy: policy)
        return await registry.call(ToolCall(id: "1", name: "web_fetch", arguments: arguments), context: context).result
    }

    private static func echoServer() throws -> LoopbackHTTPServer {
        try LoopbackHTTPServer { request in
            switch request.path {
            case "/json": return .init(headers: [("Content-Type", "application/json")], body: #"{"ok":true}"#)
            case "/missing": return .init(status: "404 Not Found", body: "no such page")
            case "/big": return .init(body: String(repeating: "0123456789", count: 10_000))
            case "/binary": return .init(headers: [("Content-Type", "application/octet-stream")], body: "\u{0}\u{1}\u{2}")
            default:
                let echoed = "\(request.method) \(request.path) x-test=\(request.headers["x-test"] ?? "-") body=\(request.body)"
                return .init(body: echoed)
            }
        }
    }

    @Test func allowedHostsAreFetched() async throws {
        let server = try Self.echoServer()
        defer { server.stop() }
        let allowed = ["127.0.0.1:\(server.port)"]

        #expect(await fetch(["url": .string("http://127.0.0.1:\(server.port)/json")], hosts: allowed)
            == .ok("HTTP 200 OK\ncontent-type: application/json\n\n{\"ok\":true}"))
        let posted = await fetch(["url": .string("http://127.0.0.1:\(server.port)/echo"), "method": "POST", "body": "a=1",
                                  "headers": ["X-Test": "yes"]], hosts: allowed)
        #expect(posted == .ok("HTTP 200 OK\ncontent-type: text/plain\n\nPOST /echo x-test=yes body=a=1"))
        // A bare host allows every port on it.
        #expect(await fetch(["url": .string("http://127.0.0.1:\(server.port)/json")], hosts: ["127.0.0.1"]).status == .ok)
        #expect(server.requests.count == 3)
    }

    @Test func otherHostsAndPortsAreRefusedWithoutConnecting() async throws {
        let server = try Self.echoServer()
        defer { server.stop() }
        let url: JSONValue = .string("http://127.0.0.1:\(server.port)/json")

        #expect(await fetch(["url": url], hosts: [])
            == .refused("host 127.0.0.1:\(server.port) is not among the network hosts of this run (none: this run has no network access)"))
        #expect(await fetch(["url": url], hosts: ["localhost:\(server.port)"])
            == .refused("host 127.0.0.1:\(server.port) is not among the network hosts of this run (localhost:\(server.port))"))
        #expect(await fetch(["url": url], hosts: ["127.0.0.1:\(server.port + 1)"]).status == .refused)
        #expect(await fetch(["url": "http://127.0.0.1/json"], hosts: ["127.0.0.1:\(server.port)"])
            == .refused("host 127.0.0.1:80 is not among the network hosts of this run (127.0.0.1:\(server.port))"))
        #expect(server.requests.isEmpty)
    }

    @Test func redirectsAreCheckedAgainstThePolicy() async throws {
        let port = ManagedAtomicPort()
        let server = try LoopbackHTTPServer { request in
            switch request.path {
            case "/inside": return .init(status: "302 Found", headers: [("Location", "/final")], body: "")
            case "/elsewhere": return .init(status: "302 Found", headers: [("Location", "http://localhost:\(port.value)/final")], body: "")
            default: return .init(body: "final page")
            }
        }
        port.value = server.port
        defer { server.stop() }
        let allowed = ["127.0.0.1:\(server.port)"]

        let followed = await fetch(["url": .string("http://127.0.0.1:\(server.port)/inside")], hosts: allowed)
        #expect(followed == .ok("HTTP 200 OK\ncontent-type: text/plain\nredirected to: http://127.0.0.1:\(server.port)/final\n\nfinal page"))
        let refused = await fetch(["url": .string("http://127.0.0.1:\(server.port)/elsewhere")], hosts: allowed)
        #expect(refused == .refused("http://127.0.0.1:\(server.port)/elsewhere redirects to http://localhost:\(server.port)/final, but host localhost:\(server.port) is not among the network hosts of this run (127.0.0.1:\(server.port))"))
        #expect(server.requests.map(\.path) == ["/inside", "/final", "/elsewhere"])
    }

    @Test func bodiesAreCappedAndStatusesReported() async throws {
        let server = try Self.echoServer()
        defer { server.stop() }
        let allowed = ["127.0.0.1:\(server.port)"]

        let big = await fetch(["url": .string("http://127.0.0.1:\(server.port)/big")], hosts: allowed, outputBytes: 4096)
        #expect(big.status == .ok)
        #expect(big.truncated)
        #expect(big.content.utf8.count <= 4096)
        #expect(big.content.hasPrefix("HTTP 200 OK\ncontent-type: text/plain\n\n0123456789"))
        #expect(big.content.contains("[body truncated after"))

        let missing = await fetch(["url": .string("http://127.0.0.1:\(server.port)/missing")], hosts: allowed)
        #expect(missing == .error("HTTP 404 Not Found\ncontent-type: text/plain\n\nno such page"))
        let binary = await fetch(["url": .string("http://127.0.0.1:\(server.port)/binary")], hosts: allowed)
        #expect(binary.content.hasSuffix("[binary body, 3 bytes, not shown]"))
    }

    @Test func aSlowServerIsCutOffAtThePolicysWallTime() async throws {
        let server = try LoopbackHTTPServer { _ in
            Thread.sleep(forTimeInterval: 6)
            return .init(body: "late")
        }
        defer { server.stop() }
        var policy = CapabilityPolicy.default
        policy.networkHosts = ["127.0.0.1:\(server.port)"]
        policy.limits.wallSeconds = 0.3
        let context = ToolContext(workspace: URL(fileURLWithPath: "/nonexistent-workspace"), policy: policy)
        let started = ContinuousClock.now
        let outcome = await registry.call(ToolCall(id: "1", name: "web_fetch", arguments: ["url": .string("http://127.0.0.1:\(server.port)/")]),
                                          context: context)
        #expect(outcome.result.status == .error)
        // Which timer fires first depends on the machine's load; each says the answer came too late.
        let content = outcome.result.content
        #expect(content.hasSuffix(": no answer in time") || content.hasSuffix(": no data in time")
                    || content.contains("took longer than the policy's 0.3 seconds"), "\(content)")
        // Cut off long before the server's 6 s answer (not a speed check: it only must not wait it out).
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func badRequestsAndUnreachableHostsAreClearErrors() async throws {
        #expect(await fetch(["url": "ftp://127.0.0.1/x"], hosts: ["127.0.0.1"])
            == .error("url must be a full http:// or https:// URL, like \"http://127.0.0.1:8080/\""))
        #expect(await fetch(["url": "http://127.0.0.1:9/", "body": "x"], hosts: ["127.0.0.1"])
            == .error("a body is sent only with \"method\": \"POST\""))
        #expect(await fetch(["url": "http://127.0.0.1:9/", "headers": ["Host": "evil"]], hosts: ["127.0.0.1"])
            == .error("header Host is set by web_fetch itself; leave it out"))
        #expect(await fetch(["url": "http://127.0.0.1:9/", "method": "DELETE"], hosts: ["127.0.0.1"]).content.contains("$.method: must be one of"))

        // A port with nothing listening: the allowed call fails at once, with the reason.
        let closed = try LoopbackHTTPServer { _ in .init() }
        let port = closed.port
        closed.stop()
        let started = ContinuousClock.now
        let result = await fetch(["url": .string("http://127.0.0.1:\(port)/")], hosts: ["127.0.0.1:\(port)"])
        #expect(result == .error("cannot fetch http://127.0.0.1:\(port)/: connection refused"))
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}

/// The server's port, known only after the server that needs it in its handler has started.
private final class ManagedAtomicPort: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = 0
    var value: Int {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
