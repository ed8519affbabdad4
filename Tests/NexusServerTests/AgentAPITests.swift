import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
import NexusStore
import NexusTesting
import Testing

@Suite("Agent runs over HTTP")
struct AgentAPITests {
    @Test("a run starts with 201, its events replay in order from Last-Event-ID, and it is stored")
    func runLifecycle() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": [
            #"<tool_call>{"name": "filesystem_write", "arguments": {"path": "hello.txt", "content": "hi"}}</tool_call>"#,
            "I wrote hello.txt.",
        ]])
        try await fixture.application().test(.router) { client in
            let id: String = try await client.post("/v1/agent/runs", #"{"task":"Write hi into hello.txt","workspace":"w1","max_steps":4}"#, headers: fixture.operatorKey) { response in
                #expect(response.status == .created)
                let body = try response.json()
                #expect(response.headers[.location] == "/v1/agent/runs/\(body["id"]?.stringValue ?? "")")
                return body["id"]?.stringValue ?? ""
            }
            // Following the events blocks until the run ends, so the whole stream is read here.
            let types: [String] = try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: fixture.operatorKey) { response in
                response.text.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
            }
            #expect(types == ["started", "dispatched", "thinking", "tool_call", "tool_result", "thinking", "finished"])
            // The workspace is the key's own folder of that name.
            let workspace = try #require(try fixture.storedRun(id)?.workspace)
            #expect(workspace.hasPrefix(fixture.home.url.appendingPathComponent("workspaces/key_").path) && workspace.hasSuffix("/w1"))
            let written = URL(fileURLWithPath: workspace).appendingPathComponent("hello.txt")
            #expect((try? String(contentsOf: written, encoding: .utf8)) == "hi")

            var resume = fixture.operatorKey
            resume[.init("Last-Event-ID")!] = "4"
            let replayed: [String] = try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: resume) { response in
                response.text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) }
            }
            #expect(replayed == ["5", "6", "7"])
            try await client.execute(uri: "/v1/agent/runs/\(id)", method: .get, headers: fixture.operatorKey) { response in
                let body = try response.json()
                #expect(body["status"]?.stringValue == "completed")
                #expect(body["answer"]?.stringValue == "I wrote hello.txt.")
                #expect(body["steps"]?.arrayValue?.first?["tool"]?.stringValue == "filesystem_write")
            }
            try await client.execute(uri: "/v1/agent/runs", method: .get, headers: fixture.operatorKey) { response in
                #expect(response.object["data"]?.arrayValue?.first?["id"]?.stringValue == id)
            }
            try await client.post("/v1/agent/runs/\(id)/cancel", "", headers: fixture.operatorKey) { response in
                #expect(response.status == .conflict)
            }
        }
        fixture.home.remove()
    }

    @Test("bad run requests are refused before anything runs")
    func badRuns() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": []])
        try await fixture.application().test(.router) { client in
            for body in [#"{"task":""}"#, #"{"task":"x","workspace":"../etc"}"#, #"{"task":"x","max_steps":0}"#,
                         #"{"task":"x","policy":{"read":"everything"}}"#, #"{}"#] {
                try await client.post("/v1/agent/runs", body, headers: fixture.operatorKey) { response in
                    #expect(response.status == .badRequest, "\(body)")
                    #expect(response.object["error"]?["message"]?.stringValue?.isEmpty == false)
                }
            }
            try await client.execute(uri: "/v1/agent/runs/run_nothing", method: .get, headers: fixture.operatorKey) { response in
                #expect(response.status == .notFound)
            }
        }
        fixture.home.remove()
    }

    @Test("agent runs need an operator key even on loopback; unknown, revoked and malformed keys look the same")
    func runsNeedAKey() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": []])
        let viewer = try KeyStore(database: fixture.database).create(name: "viewer", role: .viewer).secret
        let revoked = try KeyStore(database: fixture.database).create(name: "gone", role: .owner)
        _ = try KeyStore(database: fixture.database).revoke(id: revoked.record.id)
        try await fixture.application().test(.router) { client in
            var bodies: [String] = []
            for header in [nil, "Bearer nxk_unknown", "Bearer \(revoked.secret)", "Basic xyz"] {
                let headers: HTTPFields = header.map { [.authorization: $0] } ?? [:]
                try await client.post("/v1/agent/runs", #"{"task":"x"}"#, headers: headers) { response in
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[.wwwAuthenticate] != nil)
                    bodies.append(response.text)
                }
            }
            #expect(Set(bodies).count == 1)
            try await client.post("/v1/agent/runs", #"{"task":"x"}"#, headers: [.authorization: "Bearer \(viewer)"]) { response in
                #expect(response.status == .forbidden)
            }
            // Reading stays open on loopback, as with Ollama.
            try await client.execute(uri: "/v1/agent/runs", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
        fixture.home.remove()
    }

    @Test("bound to a non-loopback address every route but version and health needs a key")
    func nonLoopback() async throws {
        var fixture = try ServerFixture(scripts: ["script-agent": []])
        fixture.configuration.host = "0.0.0.0"
        let operatorKey = fixture.operatorKey
        try await fixture.application().test(.router) { client in
            for path in ["/api/tags", "/v1/models", "/metrics", "/api/ps"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .unauthorized, "\(path)")
                }
            }
            try await client.post("/api/chat", #"{"model":"smollm2","messages":[]}"#) { response in
                #expect(response.status == .unauthorized)
                #expect(response.object["error"]?.stringValue?.contains("Authorization: Bearer") == true)
            }
            for path in ["/health", "/api/version"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok, "\(path)")
                }
            }
            try await client.execute(uri: "/api/tags", method: .get, headers: operatorKey) { response in
                #expect(response.status == .ok)
            }
        }
        fixture.home.remove()
    }

    @Test("beyond the most agent runs at once a new run gets 503 with Retry-After; when one ends there is room again")
    func runLimit() async throws {
        var fixture = try ServerFixture(scripts: ["script-agent": []])
        fixture.configuration.maxAgentRuns = 1
        let operatorKey = fixture.operatorKey
        let gate = GatedBackend()
        try await fixture.application(loader: { _ in gate }).test(.router) { client in
            let first: String = try await client.post("/v1/agent/runs", #"{"task":"Say done"}"#, headers: operatorKey) { response in
                #expect(response.status == .created)
                return response.object["id"]?.stringValue ?? ""
            }
            try await client.post("/v1/agent/runs", #"{"task":"Say done again"}"#, headers: operatorKey) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] != nil)
                #expect(response.object["error"]?["message"]?.stringValue?.contains("NEXUS_MAX_AGENT_RUNS") == true)
            }
            gate.open()
            // Following the events returns when the run has ended.
            try await client.execute(uri: "/v1/agent/runs/\(first)/events", method: .get, headers: operatorKey) { _ in }
            try await client.post("/v1/agent/runs", #"{"task":"Say done at last"}"#, headers: operatorKey) { response in
                #expect(response.status == .created)
            }
        }
        fixture.home.remove()
    }
}
