import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
import NexusInference
import NexusTesting
import Testing

/// A valid request never gets a 4xx for what the model wrote: a tool call cut by `max_tokens`
/// (or `num_predict`) comes back as 200 with the reason `length`. Real generations with the
/// default model, whose template-driven tool calls are where the cut calls came from.
@Suite("Tool calls cut by the token limit, through both APIs", .serialized)
struct CutOffToolCallTests {
    static let engine = Task {
        try await LlamaEngine.load(path: try TestModels.path("qwen2.5-coder:0.5b"), configuration: EngineConfiguration(contextLength: 2048, slots: 1, threads: 2))
    }
    static let tools = #"[{"type":"function","function":{"name":"get_weather","description":"Get the weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]"#
    static let choices = [#""required""#, #"{"type":"function","function":{"name":"get_weather"}}"#, #""auto""#]

    func fixture() throws -> ServerFixture {
        let fixture = try ServerFixture()
        try ModelStore(home: fixture.home.url).register(ModelEntry(name: "qwen", path: try TestModels.path("qwen2.5-coder:0.5b"), size: 1, source: "test"))
        return fixture
    }

    func application(_ fixture: ServerFixture) -> some ApplicationProtocol {
        fixture.application { name in LocalBackend(modelName: name, engine: try await Self.engine.value) }
    }

    @Test("OpenAI: a call cut by max_tokens is 200 with finish_reason length", arguments: choices)
    func openAI(choice: String) async throws {
        let fixture = try fixture()
        let body = #"{"model":"qwen","messages":[{"role":"user","content":"What's the weather in Buenos Aires?"}],"tools":\#(Self.tools),"tool_choice":\#(choice),"max_tokens":17,"temperature":0}"#
        try await application(fixture).test(.router) { client in
            try await client.post("/v1/chat/completions", body) { response in
                #expect(response.status == .ok, "\(response.text)")
                let choice = response.object["choices"]?.arrayValue?.first
                #expect(choice?["finish_reason"]?.stringValue == "length")
                for call in choice?["message"]?["tool_calls"]?.arrayValue ?? [] {
                    #expect((try? JSONValue.parse(call["function"]?["arguments"]?.stringValue ?? "")) != nil)
                }
            }
        }
        fixture.home.remove()
    }

    @Test("Ollama: a call cut by num_predict is 200 with done_reason length", arguments: choices)
    func ollama(choice: String) async throws {
        let fixture = try fixture()
        let body = #"{"model":"qwen","messages":[{"role":"user","content":"What's the weather in Buenos Aires?"}],"tools":\#(Self.tools),"tool_choice":\#(choice),"options":{"num_predict":17,"temperature":0},"stream":false}"#
        try await application(fixture).test(.router) { client in
            try await client.post("/api/chat", body) { response in
                #expect(response.status == .ok, "\(response.text)")
                #expect(response.object["done_reason"]?.stringValue == "length")
            }
        }
        fixture.home.remove()
    }

    @Test("a finished output whose call breaks its schema is the model's text for an API client, an error for the agent")
    func malformedFinishedCall() async throws {
        let engine = try await Self.engine.value
        let tool = ToolDefinition(name: "get_weather", description: "Weather", parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]])
        let broken = #"<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"town\": 3}}\n</tool_call>"#
        var request = GenerationRequest(prompt: .chat([.user("Weather?")]), tools: [tool], grammar: "root ::= \"\(broken)\"")
        await #expect(throws: NexusError.self) { _ = try await LocalBackend(modelName: "qwen", engine: engine).complete(request) }
        request.malformedCallsAsText = true
        let result = try await LocalBackend(modelName: "qwen", engine: engine).complete(request)
        #expect(result.toolCalls.isEmpty)
        #expect(result.text.contains("\"town\""))
        #expect(result.finishReason == .stop)
    }
}
