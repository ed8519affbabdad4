import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
import NexusTesting
import Testing

@Suite("Ollama API")
struct OllamaAPITests {
    @Test("chat answers in Ollama's shape, with counts and durations in nanoseconds")
    func chat() async throws {
        let fixture = try ServerFixture(scripts: ["script-chat": ["Hello there."]])
        try await fixture.application().test(.router) { client in
            try await client.post("/api/chat", #"{"model":"script-chat","messages":[{"role":"user","content":"hi"}],"stream":false}"#) { response in
                #expect(response.status == .ok)
                let body = try response.json()
                #expect(body["message"]?["content"]?.stringValue == "Hello there.")
                #expect(body["message"]?["role"]?.stringValue == "assistant")
                #expect(body["done"]?.boolValue == true)
                #expect(body["done_reason"]?.stringValue == "stop")
                #expect(body["total_duration"]?.numberValue != nil)
                #expect(body["eval_count"]?.numberValue != nil)
            }
        }
        fixture.home.remove()
    }

    @Test("a streamed chat is NDJSON ending with done, and tool calls carry object arguments")
    func streamedToolCall() async throws {
        let call = #"<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>"#
        let fixture = try ServerFixture(scripts: ["script-tools": [call]])
        let body = #"""
            {"model":"script-tools","messages":[{"role":"user","content":"weather in Paris?"}],
             "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]}
            """#
        try await fixture.application().test(.router) { client in
            try await client.post("/api/chat", body) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/x-ndjson")
                let lines = try response.lines()
                #expect(lines.last?["done"]?.boolValue == true)
                let withCalls = lines.first { $0["message"]?["tool_calls"] != nil }
                let function = withCalls?["message"]?["tool_calls"]?.arrayValue?.first?["function"]
                #expect(function?["name"]?.stringValue == "get_weather")
                #expect(function?["arguments"] == ["city": "Paris"])
            }
        }
        fixture.home.remove()
    }

    @Test("bad requests get a 4xx in Ollama's error shape naming what is wrong")
    func badRequests() async throws {
        let fixture = try ServerFixture(scripts: ["script-x": []], maxBodyBytes: 2048)
        try await fixture.application().test(.router) { client in
            let cases: [(String, String, HTTPResponse.Status, String)] = [
                ("/api/chat", "{not json", .badRequest, "JSON"),
                ("/api/chat", #"{"model":"script-x","messages":"hi"}"#, .badRequest, "'messages' must be an array"),
                ("/api/chat", #"{"model":"script-x","messages":[{"role":"user","content":"x"}],"options":{"temperature":"hot"}}"#, .badRequest, "'options.temperature' must be a number"),
                ("/api/chat", #"{"model":"nope","messages":[{"role":"user","content":"x"}]}"#, .notFound, "model 'nope' not found"),
                ("/api/generate", #"{"model":"script-x","prompt":"x","format":42}"#, .badRequest, "'format'"),
                ("/api/chat", #"{"model":"script-x","messages":[{"role":"user","content":"x"}],"tools":[],"tool_choice":"required"}"#, .badRequest, "offers no tools"),
                ("/api/chat", "{\"model\":\"script-x\",\"pad\":\"" + String(repeating: "x", count: 4096) + "\"}", .contentTooLarge, "bytes"),
            ]
            for (path, body, status, fragment) in cases {
                try await client.post(path, body) { response in
                    #expect(response.status == status, "\(body.prefix(60))")
                    let message = try response.json()["error"]?.stringValue ?? ""
                    #expect(message.contains(fragment), "\(message)")
                }
            }
            try await client.execute(uri: "/api/nothing", method: .get, headers: fixture.ownerKey) { response in
                #expect(response.status == .notFound)
                #expect(response.object["error"]?.stringValue?.contains("no route") == true)
            }
        }
        fixture.home.remove()
    }

    @Test("tags, show, version, and keep_alive loading and unloading seen in ps")
    func models() async throws {
        let fixture = try ServerFixture(scripts: ["script-m": []])
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/api/tags", method: .get) { response in
                let names = try response.json()["models"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
                #expect(names == ["script-m", "smollm2"])
            }
            try await client.post("/api/show", #"{"model":"smollm2"}"#) { response in
                let body = try response.json()
                #expect(body["details"]?["family"]?.stringValue == "llama")
                #expect(body["capabilities"]?.arrayValue?.contains("tools") == true)
            }
            try await client.execute(uri: "/api/version", method: .get) { response in
                #expect(response.object["version"]?.stringValue == "0.12.0")
            }
            try await client.post("/api/generate", #"{"model":"script-m","keep_alive":"10m"}"#) { response in
                #expect(response.object["done_reason"]?.stringValue == "load")
            }
            try await client.execute(uri: "/api/ps", method: .get) { response in
                #expect(response.object["models"]?.arrayValue?.first?["name"]?.stringValue == "script-m")
            }
            try await client.post("/api/generate", #"{"model":"script-m:latest","keep_alive":0}"#) { response in
                #expect(response.object["done_reason"]?.stringValue == "unload")
            }
            try await client.execute(uri: "/api/ps", method: .get) { response in
                #expect(response.object["models"]?.arrayValue?.isEmpty == true)
            }
        }
        fixture.home.remove()
    }

    @Test("create gives a model its system prompt and options; copy and delete manage the store")
    func createCopyDelete() async throws {
        let fixture = try ServerFixture(scripts: ["script-base": []])
        try await fixture.application().test(.router) { client in
            try await client.post("/api/create", #"{"model":"helper","from":"smollm2","system":"Be brief.","parameters":{"temperature":0.2},"stream":false}"#) { response in
                #expect(response.object["status"]?.stringValue == "success")
            }
            try await client.post("/api/show", #"{"model":"helper"}"#) { response in
                let body = try response.json()
                #expect(body["system"]?.stringValue == "Be brief.")
                #expect(body["parameters"]?.stringValue?.contains("temperature 0.2") == true)
            }
            try await client.post("/api/create", #"{"model":"bad","from":"smollm2","parameters":{"temperature":"warm"}}"#) { response in
                #expect(response.status == .badRequest)
            }
            try await client.post("/api/copy", #"{"source":"helper","destination":"helper2"}"#) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/delete", method: .delete, body: ByteBuffer(string: #"{"model":"helper2"}"#)) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/delete", method: .delete, body: ByteBuffer(string: #"{"model":"helper2"}"#)) { response in
                #expect(response.status == .notFound)
            }
            // The shared GGUF file outlives the deleted copy.
            #expect(FileManager.default.fileExists(atPath: try TestModels.smollm2()))
        }
        fixture.home.remove()
    }
}
