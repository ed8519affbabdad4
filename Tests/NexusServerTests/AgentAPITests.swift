import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
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
            let id: String = try await client.post("/v1/agent/runs", #"{"task":"Write hi into hello.txt","workspace":"w1","max_steps":4}"#) { response in
                #expect(response.status == .created)
                let body = try response.json()
                #expect(response.headers[.location] == "/v1/agent/runs/\(body["id"]?.stringValue ?? "")")
                return body["id"]?.stringValue ?? ""
            }
            // Following the events blocks until the run ends, so the whole stream is read here.
            let types: [String] = try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get) { response in
                response.text.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
            }
            #expect(types == ["started", "thinking", "tool_call", "tool_result", "thinking", "finished"])
            let written = fixture.home.url.appendingPathComponent("workspaces/w1/hello.txt")
            #expect((try? String(contentsOf: written, encoding: .utf8)) == "hi")

            let replayed: [String] = try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: [.init("Last-Event-ID")!: "4"]) { response in
                response.text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) }
            }
            #expect(replayed == ["5", "6"])
            try await client.execute(uri: "/v1/agent/runs/\(id)", method: .get) { response in
                let body = try response.json()
                #expect(body["status"]?.stringValue == "completed")
                #expect(body["answer"]?.stringValue == "I wrote hello.txt.")
                #expect(body["steps"]?.arrayValue?.first?["tool"]?.stringValue == "filesystem_write")
            }
            try await client.execute(uri: "/v1/agent/runs", method: .get) { response in
                #expect(response.object["data"]?.arrayValue?.first?["id"]?.stringValue == id)
            }
            try await client.post("/v1/agent/runs/\(id)/cancel", "") { response in
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
                try await client.post("/v1/agent/runs", body) { response in
                    #expect(response.status == .badRequest, "\(body)")
                    #expect(response.object["error"]?["message"]?.stringValue?.isEmpty == false)
                }
            }
            try await client.execute(uri: "/v1/agent/runs/run_nothing", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
        fixture.home.remove()
    }
}
