import Foundation
import NexusCore
import NexusInference
import NexusTesting
import Testing

/// Outputs the default model (qwen2.5-coder:0.5b) wrote under `tool_choice: auto` and at a token
/// limit, recorded from `nexus serve`, read through its own template as the engine reads them.
@Suite("Tool calls written as text, and calls cut by the token limit")
struct TextToolCallTests {
    static let weather = ToolDefinition(
        name: "get_weather", description: "Get the current weather for a city",
        parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]])
    static let area = ToolDefinition(
        name: "calculate_area", description: "Area of a rectangle",
        parameters: ["type": "object", "properties": ["width": ["type": "number"], "height": ["type": "number"]], "required": ["width", "height"]])

    func parse(_ output: String, parallel: Bool = true, cutOff: Bool = false) throws -> (content: String, toolCalls: [ToolCall]) {
        let template = try ChatTemplate.load(modelPath: TestModels.path("qwen2.5-coder:0.5b"))
        let request = GenerationRequest(prompt: .chat([.user("What's the weather?")]), tools: [Self.weather, Self.area], parallelToolCalls: parallel)
        return try template.parse(output, for: request, cutOff: cutOff)
    }

    static let paris = #"{"name": "get_weather", "arguments": {"city": "Paris"}}"#

    @Test("a call written as text becomes one validated call", arguments: [
        paris,
        "<json>\n  \(paris)\n</json>",
        "```json\n{\n  \"name\": \"get_weather\",\n  \"arguments\": {\n    \"city\": \"Paris\"\n  }\n}\n```",
        "Here's the response for the given function call:\n\(paris)",
        String(repeating: "Here's the response for the given function call:\n\(paris)\n", count: 4),
        "\(paris)\n\(paris)\n\(paris)",
    ])
    func recovered(output: String) throws {
        let parsed = try parse(output)
        #expect(parsed.toolCalls.map(\.name) == ["get_weather"], "\(parsed)")
        #expect(parsed.toolCalls.first?.arguments == ["city": "Paris"])
        #expect(parsed.content.isEmpty)
    }

    @Test("two calls on two lines are two calls when parallel calls are on, the first when off")
    func twoCalls() throws {
        let output = "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Boston\"}}\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Tokyo\"}}"
        #expect(try parse(output).toolCalls.map(\.arguments) == [["city": "Boston"], ["city": "Tokyo"]])
        #expect(try parse(output, parallel: false).toolCalls.map(\.arguments) == [["city": "Boston"]])
    }

    @Test("prose that shows JSON stays prose", arguments: [
        // Recorded: an explanation around two calls, one with made-up arguments.
        "To get the weather in Boston and Tokyo, you can use the `get_weather` function as follows:\n\n```json\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Boston\"}}\n```\n\nTo get the area of a rectangle, you can use the `calculate_area` function as follows:\n\n```json\n{\"name\": \"calculate_area\", \"arguments\": {\"width\": 10, \"height\": 5}}\n```",
        // Recorded: a call to a tool that was not offered.
        #"{"name": "Joke", "arguments": {"message": "Why did the tomato turn red? Because it saw the salad dressing!"}}"#,
        "To get the weather, send \(paris) to the server and read the reply.",
        "The reply is a JSON object such as {\"temp\": 20, \"city\": \"Paris\"}.",
        "\(paris)\nThat call returns the temperature in Celsius.",
    ])
    func proseStays(output: String) throws {
        let parsed = try parse(output)
        #expect(parsed.toolCalls.isEmpty, "\(parsed)")
        #expect(parsed.content == output)
    }

    /// Recorded with `tool_choice: required` and `max_tokens: 200`: the model went on writing
    /// calls until the limit cut the eighth one mid-string.
    static let cutParallel = (1...7).map { city in "<tool_call>\n {\"name\": \"get_weather\", \"arguments\": {\"city\": \"City\(city)\"}}\n</tool_call>\n" }.joined()
        + "<tool_call>\n {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Los Angeles"

    @Test("a cut-off output keeps the calls it completed and drops the one the limit cut")
    func cutOffKeepsCompleteCalls() throws {
        let parsed = try parse(Self.cutParallel, cutOff: true)
        #expect(parsed.toolCalls.count == 7)
        #expect(parsed.toolCalls.last?.arguments == ["city": "City7"])
        // Finished output with a broken call is still malformed.
        #expect { _ = try parse(Self.cutParallel) } throws: { ($0 as? NexusError)?.code == .invalidToolCall }
    }

    @Test("a call cut before it was whole is no call, not an error", arguments: [
        "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city",
        "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Buenos Aires",
        "<tool_call>\n{\"",
    ])
    func cutOffSingleCall(output: String) throws {
        #expect(try parse(output, cutOff: true).toolCalls.isEmpty)
        #expect(try parse(output, parallel: false, cutOff: true).toolCalls.isEmpty)
    }
}

/// A call written as text must not also be streamed as text.
@Suite("Streaming a call written as text", .serialized)
struct StreamedTextCallTests {
    @Test("a reply that turns out to be a call streams no text, and prose still streams")
    func noDoubleCall() async throws {
        let engine = try await SharedEngine.engine()
        let call = #"{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}"#
        var request = GenerationRequest(prompt: .chat([.user("Weather in Paris?")]), tools: [TextToolCallTests.weather],
                                        sampling: .greedy, maxTokens: 60, grammar: "root ::= \"\(call)\"")
        let asCall = try await SharedEngine.run(engine, request)
        #expect(asCall.result.toolCalls.map(\.name) == ["get_weather"])
        #expect(asCall.streamed.isEmpty, "\(asCall.streamed)")
        request.grammar = #"root ::= "It is sunny in Paris, {about} 20 degrees.""#
        let prose = try await SharedEngine.run(engine, request)
        #expect(prose.result.toolCalls.isEmpty)
        #expect(prose.streamed == "It is sunny in Paris, {about} 20 degrees.")
    }
}
