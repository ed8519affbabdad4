import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NexusCore
import NexusServer
import NexusStore
import Testing

/// Bad requests of every kind answer 4xx in the API's own error shape, before any model is needed.
@Suite("Errors at the server's edge")
struct EdgeErrorTests {
    /// A server whose model loader always fails: every case here must be refused before loading.
    private func withServer(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-edge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let database = try NexusDatabase.inMemory()
        let dependencies = ServerDependencies(
            loadModel: { name in throw NexusError(.modelNotFound, "no model '\(name)' in this test") },
            makeAgentRunner: { _, _, _, _ in throw NexusError(.invalidArgument, "no agents in this test") },
            database: database, version: "0.0.0-test")
        var configuration = ServerConfiguration(home: home)
        configuration.maxBodyBytes = 1024
        let app = buildServerApplication(configuration: configuration, dependencies: dependencies,
                                         logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await app.test(.router, body)
    }

    /// The status and the JSON body of one request.
    private static func send(_ client: any TestClientProtocol, _ uri: String, _ method: HTTPRequest.Method,
                             _ body: String? = nil) async throws -> (HTTPResponse.Status, JSONValue) {
        let response = try await client.executeRequest(uri: uri, method: method, headers: [:], body: body.map { ByteBuffer(string: $0) })
        return (response.status, try JSONValue.parse(String(buffer: response.body)))
    }

    @Test("malformed JSON is a 400 with Ollama's {error} on /api and OpenAI's {error: {message, type}} on /v1")
    func malformedJSON() async throws {
        try await withServer { client in
            let (ollamaStatus, ollama) = try await Self.send(client, "/api/chat", .post, "{\"model\": ")
            #expect(ollamaStatus == .badRequest)
            #expect(ollama["error"]?.stringValue?.isEmpty == false)
            let (openAIStatus, openAI) = try await Self.send(client, "/v1/chat/completions", .post, "[1, 2")
            #expect(openAIStatus == .badRequest)
            #expect(openAI["error"]?["type"] == "invalid_request_error")
            #expect(openAI["error"]?["message"]?.stringValue?.isEmpty == false)
        }
    }

    @Test("a wrong type names the field")
    func wrongType() async throws {
        try await withServer { client in
            let (status, body) = try await Self.send(client, "/v1/chat/completions", .post, #"{"model": "smollm2", "messages": "hello"}"#)
            #expect(status == .badRequest)
            #expect(body["error"]?["message"]?.stringValue?.contains("'messages'") == true)
        }
    }

    @Test("an oversized body is a 413, not a 5xx")
    func oversizedBody() async throws {
        try await withServer { client in
            let text = String(repeating: "x", count: 4096)
            let (status, body) = try await Self.send(client, "/api/generate", .post, #"{"model": "smollm2", "prompt": "\#(text)"}"#)
            #expect(status == .contentTooLarge)
            #expect(body["error"]?.stringValue != nil)
        }
    }

    @Test("an unknown route is a 404 in the dialect of its prefix")
    func unknownRoute() async throws {
        try await withServer { client in
            let (ollamaStatus, ollama) = try await Self.send(client, "/api/nothing-here", .get)
            #expect(ollamaStatus == .notFound)
            #expect(ollama["error"]?.stringValue != nil)
            let (openAIStatus, openAI) = try await Self.send(client, "/v1/nothing-here", .get)
            #expect(openAIStatus == .notFound)
            #expect(openAI["error"]?["type"] == "not_found_error")
        }
    }

    @Test("an unknown model is a 404 in each API's shape, before anything loads")
    func unknownModel() async throws {
        try await withServer { client in
            let (ollamaStatus, ollama) = try await Self.send(client, "/api/generate", .post, #"{"model": "nope:1b", "prompt": "hi"}"#)
            #expect(ollamaStatus == .notFound)
            #expect(ollama["error"]?.stringValue?.contains("nope:1b") == true)
            let (openAIStatus, openAI) = try await Self.send(client, "/v1/embeddings", .post, #"{"model": "nope:1b", "input": "hi"}"#)
            #expect(openAIStatus == .notFound)
            #expect(openAI["error"]?["message"]?.stringValue?.contains("nope:1b") == true)
        }
    }
}
