import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
import NexusInference
import NexusServer
import NexusStore
import Testing

@Suite("gateway:PURPOSE models on the APIs")
struct GatewayModelAPITests {
    @Test("chat, Ollama chat, embeddings and agent runs named gateway:PURPOSE go through the purpose's routes and are metered")
    func gatewayModelsServeEveryAPI() async throws {
        let fixture = try ServerFixture(scripts: [
            "chatty": ["Hello from the gateway.", "Hello again."],
            "runner": [#"<tool_call>{"name": "filesystem_write", "arguments": {"path": "a.txt", "content": "x"}}</tool_call>"#, "Wrote a.txt."],
        ])
        // The first chat route is a file, which the server does not serve: the call falls back to the second.
        try #"{"routes": {"chat": [{"model": "/models/elsewhere.gguf"}, {"model": "chatty"}], "agent": [{"model": "runner"}], "embed": [{"model": "smollm2"}]}}"#
            .write(to: fixture.home.url.appendingPathComponent("gateway.json"), atomically: true, encoding: .utf8)
        let admin = try fixture.newKey(.admin, name: "reader")
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/v1/models", method: .get, headers: fixture.operatorKey) { response in
                let ids = (response.object["data"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
                #expect(ids.contains("gateway:chat") && ids.contains("gateway:embed") && ids.contains("chatty"), "\(ids)")
            }
            try await client.post("/v1/chat/completions", #"{"model": "gateway:chat", "messages": [{"role": "user", "content": "hi"}]}"#,
                                  headers: fixture.operatorKey) { response in
                #expect(response.status == .ok, "\(response.text)")
                #expect(response.object["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue == "Hello from the gateway.")
                #expect(response.object["model"]?.stringValue == "gateway:chat")
            }
            try await client.post("/api/chat", #"{"model": "gateway:chat", "stream": false, "messages": [{"role": "user", "content": "hi"}]}"#,
                                  headers: fixture.operatorKey) { response in
                #expect(response.status == .ok, "\(response.text)")
                #expect(response.object["message"]?["content"]?.stringValue == "Hello again.")
            }
            try await client.post("/v1/chat/completions", #"{"model": "gateway:nope", "messages": [{"role": "user", "content": "hi"}]}"#,
                                  headers: fixture.operatorKey) { response in
                #expect(response.status == .notFound)
                #expect(response.text.contains("gateway:chat"), "the error lists the purposes: \(response.text)")
            }
            // A gateway name is no stored model: it cannot be made, copied to or deleted.
            try await client.post("/api/copy", #"{"source": "chatty", "destination": "gateway:chat"}"#, headers: fixture.ownerKey) { response in
                #expect(response.status == .badRequest, "\(response.text)")
                #expect(response.text.contains("reserved"))
            }
            try await client.execute(uri: "/api/delete", method: .delete, headers: fixture.ownerKey,
                                     body: ByteBuffer(string: #"{"model": "gateway:chat"}"#)) { response in
                #expect(response.status.code < 500 && response.status.code >= 400, "\(response.text)")
            }
            try await client.post("/v1/embeddings", #"{"model": "gateway:embed", "input": ["a cat", "a dog"]}"#,
                                  headers: fixture.operatorKey) { response in
                #expect(response.status == .ok, "\(response.text)")
                #expect(response.object["data"]?.arrayValue?.count == 2)
            }
            let id: String = try await client.post("/v1/agent/runs", #"{"task": "Write x into a.txt", "workspace": "g1", "max_steps": 3}"#,
                                                   headers: fixture.operatorKey) { response in
                #expect(response.status == .created, "\(response.text)")
                return response.object["id"]?.stringValue ?? ""
            }
            _ = try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: fixture.operatorKey) { $0.text }
            try await client.execute(uri: "/v1/agent/runs/\(id)", method: .get, headers: fixture.operatorKey) { response in
                #expect(response.object["status"]?.stringValue == "completed", "\(response.text)")
                #expect(response.object["model"]?.stringValue == "gateway:agent", "a run that names no model takes the agent routes")
            }
            try await client.execute(uri: "/admin/gateway", method: .get, headers: admin.headers) { response in
                let calls = response.object["recent_calls"]?.arrayValue ?? []
                let purposes = calls.compactMap { $0["purpose"]?.stringValue }
                #expect(purposes.filter { $0 == "chat" }.count == 2 && purposes.contains("embed") && purposes.contains("agent"), "\(purposes)")
                let first = try #require(calls.first)
                #expect(first["attempts"]?.arrayValue?.compactMap { $0["outcome"]?.stringValue } == ["terminal", "ok"])
                #expect(first["route"]?.stringValue == "chatty")
            }
        }
        // Every call is in the journal, with its org: budgets read it back after a restart.
        let stored = try await GatewayCallStore(database: fixture.database).calls(since: Date(timeIntervalSinceNow: -60))
        #expect(stored.map(\.purpose).filter { $0 == "chat" }.count == 2)
        #expect(stored.allSatisfy { $0.org == "default" })
        fixture.home.remove()
    }

    @Test("a budget spent before a restart still refuses after it: the new server reads the journal")
    func budgetsHoldAcrossRestarts() async throws {
        let fixture = try ServerFixture(scripts: ["chatty": ["One.", "Two."]])
        try #"{"routes": {"chat": [{"model": "chatty"}]}, "budgets": {"purposes": {"chat": 1}}}"#
            .write(to: fixture.home.url.appendingPathComponent("gateway.json"), atomically: true, encoding: .utf8)
        let body = #"{"model": "gateway:chat", "messages": [{"role": "user", "content": "hi"}]}"#
        try await fixture.application().test(.router) { client in
            try await client.post("/v1/chat/completions", body, headers: fixture.operatorKey) { #expect($0.status == .ok) }
        }
        try await fixture.application().test(.router) { client in
            try await client.post("/v1/chat/completions", body, headers: fixture.operatorKey) { response in
                #expect(response.status == .tooManyRequests, "\(response.text)")
                #expect(response.text.contains("purpose:chat budget"))
            }
        }
        fixture.home.remove()
    }
}
