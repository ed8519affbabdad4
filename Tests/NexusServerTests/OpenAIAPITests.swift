import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
import NexusTesting
import Testing

@Suite("OpenAI API")
struct OpenAIAPITests {
    static let tools = #"[{"type":"function","function":{"name":"add","description":"Adds","parameters":{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"]}}}]"#

    @Test("a tool call comes back as a chat.completion with JSON-text arguments and finish_reason tool_calls")
    func toolCall() async throws {
        let fixture = try ServerFixture(scripts: ["script-oa": [#"<tool_call>{"name": "add", "arguments": {"a": 2, "b": 3}}</tool_call>"#]])
        let body = #"{"model":"script-oa","messages":[{"role":"user","content":"2+3"}],"tools":\#(Self.tools),"tool_choice":"required"}"#
        try await fixture.application().test(.router) { client in
            try await client.post("/v1/chat/completions", body) { response in
                #expect(response.status == .ok)
                let json = try response.json()
                #expect(json["object"]?.stringValue == "chat.completion")
                let choice = json["choices"]?.arrayValue?.first
                #expect(choice?["finish_reason"]?.stringValue == "tool_calls")
                #expect(choice?["message"]?["content"] == .null)
                let function = choice?["message"]?["tool_calls"]?.arrayValue?.first?["function"]
                #expect(function?["name"]?.stringValue == "add")
                let arguments = try JSONValue.parse(function?["arguments"]?.stringValue ?? "")
                #expect(arguments == ["a": 2, "b": 3])
                #expect(json["usage"]?["total_tokens"]?.numberValue != nil)
            }
        }
        fixture.home.remove()
    }

    @Test("a stream is SSE: role first, text deltas, tool-call deltas, finish reason, usage, then [DONE]")
    func stream() async throws {
        let fixture = try ServerFixture(scripts: ["script-s": ["Five.", #"<tool_call>{"name": "add", "arguments": {"a": 1, "b": 1}}</tool_call>"#]])
        try await fixture.application().test(.router) { client in
            try await client.post("/v1/chat/completions", #"{"model":"script-s","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}"#) { response in
                #expect(response.headers[.contentType] == "text/event-stream")
                let events = response.events
                #expect(events.last == "[DONE]")
                let chunks = try events.dropLast().map { try JSONValue.parse($0) }
                #expect(chunks.first?["choices"]?.arrayValue?.first?["delta"]?["role"]?.stringValue == "assistant")
                let text = chunks.compactMap { $0["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue }.joined()
                #expect(text == "Five.")
                #expect(chunks.last?["usage"]?["completion_tokens"]?.numberValue != nil)
                #expect(chunks.last?["choices"]?.arrayValue?.isEmpty == true)
            }
            try await client.post("/v1/chat/completions", #"{"model":"script-s","messages":[{"role":"user","content":"1+1"}],"tools":\#(Self.tools),"stream":true}"#) { response in
                let chunks = try response.events.dropLast().map { try JSONValue.parse($0) }
                let call = chunks.compactMap { $0["choices"]?.arrayValue?.first?["delta"]?["tool_calls"]?.arrayValue?.first }.first
                #expect(call?["index"]?.numberValue == 0)
                #expect(call?["function"]?["name"]?.stringValue == "add")
                #expect(chunks.last?["choices"]?.arrayValue?.first?["finish_reason"]?.stringValue == "tool_calls")
            }
        }
        fixture.home.remove()
    }

    @Test("errors come in OpenAI's shape with the right status")
    func errors() async throws {
        let fixture = try ServerFixture(scripts: ["script-e": []])
        try await fixture.application().test(.router) { client in
            try await client.post("/v1/chat/completions", #"{"model":"missing","messages":[{"role":"user","content":"x"}]}"#) { response in
                #expect(response.status == .notFound)
                let error = try response.json()["error"]
                #expect(error?["type"]?.stringValue == "not_found_error")
                #expect(error?["code"]?.stringValue == "model_not_found")
            }
            try await client.post("/v1/chat/completions", #"{"model":"script-e","messages":[{"role":"user","content":"x"}],"tools":\#(Self.tools),"tool_choice":{"type":"function","function":{"name":"mul"}}}"#) { response in
                #expect(response.status == .badRequest)
                #expect(response.object["error"]?["message"]?.stringValue?.contains("'mul'") == true)
            }
            try await client.post("/v1/chat/completions", #"{"model":"script-e","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object","patternProperties":{"a":{}}}}}}"#) { response in
                #expect(response.status == .badRequest)
                #expect(response.object["error"]?["type"]?.stringValue == "invalid_request_error")
            }
            try await client.post("/v1/completions", #"{"model":"script-e","prompt":7}"#) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/v1/models", method: .get) { response in
                let ids = try response.json()["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
                #expect(ids?.contains("smollm2") == true)
            }
        }
        fixture.home.remove()
    }

    @Test("embeddings from the real model: one unit vector per input, base64 decodes to the same floats")
    func embeddings() async throws {
        let fixture = try ServerFixture()
        try await fixture.application().test(.router) { client in
            let floats: [Float] = try await client.post("/v1/embeddings", #"{"model":"smollm2","input":["the cat sat","a dog ran"]}"#) { response in
                #expect(response.status == .ok)
                let data = try response.json()["data"]?.arrayValue ?? []
                #expect(data.count == 2)
                let vector = data.first?["embedding"]?.arrayValue?.compactMap(\.numberValue).map(Float.init) ?? []
                #expect(vector.count > 100)
                let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
                #expect(abs(norm - 1) < 0.01)
                return vector
            }
            try await client.post("/v1/embeddings", #"{"model":"smollm2","input":"the cat sat","encoding_format":"base64"}"#) { response in
                let text = try response.json()["data"]?.arrayValue?.first?["embedding"]?.stringValue ?? ""
                let bytes = [UInt8](Data(base64Encoded: text) ?? Data())
                let decoded = stride(from: 0, to: bytes.count, by: 4).map { offset in
                    Float(bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
                }
                #expect(decoded.count == floats.count)
                #expect(zip(decoded, floats).allSatisfy { abs($0 - $1) < 1e-5 })
            }
            try await client.post("/api/embed", #"{"model":"smollm2","input":""}"#) { response in
                #expect(response.status == .badRequest)
            }
        }
        fixture.home.remove()
    }
}
