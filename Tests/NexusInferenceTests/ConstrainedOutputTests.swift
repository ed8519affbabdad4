import Foundation
import NexusCore
import NexusInference
import NexusTesting
import Testing

@Suite("Grammar-constrained output on the real SmolLM2 model", .serialized)
struct ConstrainedOutputTests {
    static let person: JSONValue = [
        "type": "object",
        "properties": [
            "name": ["type": "string", "minLength": 1, "maxLength": 24],
            "age": ["type": "integer", "minimum": 0, "maximum": 120],
            "email": ["type": "string", "nullable": true, "maxLength": 30],
            "role": ["enum": ["admin", "user", "guest"]],
            "tags": ["type": "array", "items": ["type": "string", "maxLength": 12], "minItems": 1, "maxItems": 3],
            "address": ["$ref": "#/$defs/address"],
        ],
        "required": ["name", "age", "role", "tags", "address"],
        "additionalProperties": false,
        "$defs": [
            "address": [
                "type": "object",
                "properties": ["city": ["type": "string", "maxLength": 20], "zip": ["type": "string", "pattern": "^[0-9]{5}$"]],
                "required": ["city", "zip"],
                "additionalProperties": false,
            ],
        ],
    ]

    static let prompts = [
        "Describe a person.", "Invent a pirate captain.", "Who wrote Hamlet?", "Make up a user of a web shop.",
        "Tell me a joke.", "A child who likes dinosaurs.", "An old sailor from Lisbon.", "Your favourite scientist.",
    ]

    @Test("schema-constrained output always parses and validates", arguments: Array(prompts.enumerated()))
    func schemaOutputValidates(index: Int, prompt: String) async throws {
        let engine = try await SharedEngine.engine()
        let schema = try JSONSchema(Self.person)
        let request = GenerationRequest(
            prompt: .chat([.user(prompt)]), responseFormat: .jsonSchema(Self.person),
            sampling: SamplingParameters(temperature: 0.9, seed: UInt32(index)), maxTokens: 400)
        let run = try await SharedEngine.run(engine, request)
        let value = try JSONValue.parse(run.result.text)
        #expect(schema.validate(value).isEmpty, "\(run.result.text)")
    }

    @Test("raw-text prompts take a schema too")
    func rawPromptWithSchema() async throws {
        let engine = try await SharedEngine.engine()
        let schema: JSONValue = ["type": "array", "items": ["type": "integer", "minimum": 1, "maximum": 9], "minItems": 2, "maxItems": 4]
        let run = try await SharedEngine.run(engine, GenerationRequest(
            prompt: .text("Some small numbers:"), responseFormat: .jsonSchema(schema), sampling: .greedy, maxTokens: 60))
        #expect(try JSONSchema(schema).validate(JSONValue.parse(run.result.text)).isEmpty, "\(run.result.text)")
    }

    @Test("JSON mode gives a JSON object")
    func jsonMode() async throws {
        let engine = try await SharedEngine.engine()
        let run = try await SharedEngine.run(engine, GenerationRequest(
            prompt: .chat([.user("Give me a recipe.")]), responseFormat: .json, sampling: .greedy, maxTokens: 300))
        #expect(try JSONValue.parse(run.result.text).objectValue != nil, "\(run.result.text)")
    }

    @Test("an unsupported keyword is refused before generation")
    func unsupportedKeyword() async throws {
        let engine = try await SharedEngine.engine()
        let schema: JSONValue = ["type": "object", "patternProperties": ["^x": ["type": "string"]]]
        await #expect {
            _ = try await SharedEngine.run(engine, GenerationRequest(prompt: .chat([.user("hi")]), responseFormat: .jsonSchema(schema)))
        } throws: { error in
            let error = error as? NexusError
            return error?.code == .unsupportedSchema && error?.message.contains("patternProperties") == true
        }
    }
}

@Suite("Tool calling on the real SmolLM2 model", .serialized)
struct ToolCallingTests {
    static let weather = ToolDefinition(
        name: "get_weather", description: "Current weather of a city",
        parameters: ["type": "object", "properties": ["city": ["type": "string", "maxLength": 30], "unit": ["enum": ["celsius", "fahrenheit"]]],
                     "required": ["city"], "additionalProperties": false])
    static let time = ToolDefinition(
        name: "get_time", description: "Current time in a timezone",
        parameters: ["type": "object", "properties": ["timezone": ["type": "string", "maxLength": 30]], "required": ["timezone"]])

    @Test("tool_choice required forces a valid call, even for unrelated prompts",
          arguments: ["What's the weather in Paris?", "Tell me a joke.", "Hello there!", "Write a poem about cats."])
    func requiredIsEnforced(prompt: String) async throws {
        let engine = try await SharedEngine.engine()
        let run = try await SharedEngine.run(engine, GenerationRequest(
            prompt: .chat([.user(prompt)]), tools: [Self.weather, Self.time], toolChoice: .required, sampling: .greedy, maxTokens: 120))
        #expect(!run.result.toolCalls.isEmpty, "\(run.result.text)")
        #expect(run.result.finishReason == .toolCalls)
        for call in run.result.toolCalls {
            let tool = try #require([Self.weather, Self.time].first { $0.name == call.name })
            #expect(try JSONSchema(tool.parameters).validate(call.arguments).isEmpty)
            #expect(!call.id.isEmpty)
        }
    }

    @Test("a named tool_choice calls exactly that tool")
    func namedFunctionIsEnforced() async throws {
        let engine = try await SharedEngine.engine()
        let run = try await SharedEngine.run(engine, GenerationRequest(
            prompt: .chat([.user("What's the weather in Rome?")]), tools: [Self.weather, Self.time],
            toolChoice: .function("get_time"), sampling: .greedy, maxTokens: 120))
        #expect(run.result.toolCalls.map(\.name) == ["get_time"])
    }

    @Test("tool_choice none gives a plain answer")
    func noneGivesText() async throws {
        let engine = try await SharedEngine.engine()
        let run = try await SharedEngine.run(engine, GenerationRequest(
            prompt: .chat([.user("What's the weather in Paris?")]), tools: [Self.weather], toolChoice: .none, sampling: .greedy, maxTokens: 40))
        #expect(run.result.toolCalls.isEmpty)
        #expect(!run.result.text.isEmpty)
    }

    @Test("a named tool that was not offered is refused")
    func unknownNamedTool() async throws {
        let engine = try await SharedEngine.engine()
        await #expect {
            _ = try await SharedEngine.run(engine, GenerationRequest(
                prompt: .chat([.user("hi")]), tools: [Self.weather], toolChoice: .function("launch_rocket")))
        } throws: { ($0 as? NexusError)?.code == .invalidArgument }
    }
}
