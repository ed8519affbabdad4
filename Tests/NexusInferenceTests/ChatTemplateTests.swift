import Foundation
import NexusCore
import NexusInference
import NexusTesting
import Testing

/// Tool-call formats of the model families Nexus must speak, checked with llama.cpp's reference
/// templates for those families (loaded over SmolLM2's vocabulary, so no large model is needed).
@Suite("Chat templates and tool-call parsing per format")
struct ChatTemplateTests {
    struct FormatCase: Sendable, CustomTestStringConvertible {
        var family: String
        var template: String
        /// What a model of this family writes to call get_weather(city: "Paris").
        var output: String
        var testDescription: String { family }
    }

    static let weather = ToolDefinition(
        name: "get_weather", description: "Current weather of a city",
        parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]])

    static let formats: [FormatCase] = [
        FormatCase(family: "Qwen 2.5", template: "Qwen-Qwen2.5-7B-Instruct",
                   output: "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"),
        FormatCase(family: "Hermes 3", template: "NousResearch-Hermes-3-Llama-3.1-8B-tool_use",
                   output: "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"),
        FormatCase(family: "Llama 3.1", template: "meta-llama-Llama-3.1-8B-Instruct",
                   output: "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}"),
        FormatCase(family: "Llama 3.2", template: "meta-llama-Llama-3.2-3B-Instruct",
                   output: "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}"),
        FormatCase(family: "Mistral Nemo", template: "mistralai-Mistral-Nemo-Instruct-2407",
                   output: "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"abcdef123\"}]"),
    ]

    func request(toolChoice: ToolChoice = .auto) -> GenerationRequest {
        GenerationRequest(prompt: .chat([.system("You help with weather."), .user("Weather in Paris?")]),
                          tools: [Self.weather], toolChoice: toolChoice)
    }

    @Test("the template shows the tool to the model", arguments: formats)
    func rendersTools(format: FormatCase) throws {
        let template = try ChatTemplate.load(modelPath: TestModels.smollm2(), overrideTemplate: TestModels.referenceTemplate(format.template))
        let rendered = try template.render(request())
        #expect(rendered.prompt.contains("get_weather"))
        #expect(rendered.prompt.contains("Weather in Paris?"))
    }

    @Test("the family's tool-call output parses into a validated call", arguments: formats)
    func parsesToolCall(format: FormatCase) throws {
        let template = try ChatTemplate.load(modelPath: TestModels.smollm2(), overrideTemplate: TestModels.referenceTemplate(format.template))
        let parsed = try template.parse(format.output, for: request())
        #expect(parsed.toolCalls.count == 1, "\(parsed)")
        #expect(parsed.toolCalls.first?.name == "get_weather")
        #expect(parsed.toolCalls.first?.arguments == ["city": "Paris"])
    }

    @Test("plain text from the family is content, not a call", arguments: formats)
    func plainAnswer(format: FormatCase) throws {
        let template = try ChatTemplate.load(modelPath: TestModels.smollm2(), overrideTemplate: TestModels.referenceTemplate(format.template))
        let parsed = try template.parse("It is sunny in Paris.", for: request())
        #expect(parsed.toolCalls.isEmpty)
        #expect(parsed.content == "It is sunny in Paris.")
    }

    @Test("a call whose arguments break the tool's schema is refused")
    func schemaViolationIsRefused() throws {
        let template = try ChatTemplate.load(modelPath: TestModels.smollm2(), overrideTemplate: TestModels.referenceTemplate("Qwen-Qwen2.5-7B-Instruct"))
        #expect {
            _ = try template.parse("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"town\": 3}}\n</tool_call>", for: request())
        } throws: { ($0 as? NexusError)?.code == .invalidToolCall }
    }

    @Test("an argument the schema does not name is dropped when the rest of the call is valid")
    func unnamedArgumentIsDropped() throws {
        let template = try ChatTemplate.load(modelPath: TestModels.smollm2(), overrideTemplate: TestModels.referenceTemplate("Qwen-Qwen2.5-7B-Instruct"))
        let strict = ToolDefinition(name: "read", description: "Read a file", parameters: [
            "type": "object", "properties": ["path": ["type": "string"]], "required": ["path"], "additionalProperties": false,
        ])
        let request = GenerationRequest(prompt: .chat([.user("Read a.txt")]), tools: [strict])
        let parsed = try template.parse("<tool_call>\n{\"name\": \"read\", \"arguments\": {\"path\": \"a.txt\", \"recursive\": true}}\n</tool_call>", for: request)
        #expect(parsed.toolCalls.first?.arguments == ["path": "a.txt"])
        // Without the required path, dropping does not help: the call is still refused.
        #expect {
            _ = try template.parse("<tool_call>\n{\"name\": \"read\", \"arguments\": {\"recursive\": true}}\n</tool_call>", for: request)
        } throws: { ($0 as? NexusError)?.code == .invalidToolCall }
    }

    @Test("tool_choice none shows the tools as auto does, so the prompt and its cache stay the same, and parses no call")
    func noneKeepsThePrompt() throws {
        let template = try ChatTemplate.load(modelPath: TestModels.smollm2(), overrideTemplate: TestModels.referenceTemplate("Qwen-Qwen2.5-7B-Instruct"))
        #expect(try template.render(request(toolChoice: .none)).prompt == template.render(request()).prompt)
        let call = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"
        let parsed = try template.parse(call, for: request(toolChoice: .none))
        #expect(parsed.toolCalls.isEmpty)
        #expect(parsed.content == call)
        // A template that cannot present tools is not asked to: the fallback's call instructions stay out.
        let plain = try ChatTemplate.load(modelPath: TestModels.smollm2())
        #expect(!(try plain.render(request(toolChoice: .none)).prompt.contains("get_weather")))
    }

    @Test("the default models' own templates present tools")
    func defaultModelTemplates() throws {
        let qwen = try ChatTemplate.load(modelPath: TestModels.path("qwen2.5-coder:0.5b"))
        #expect(qwen.supportsTools)
        #expect(try qwen.render(request()).prompt.contains("<tools>"))
        // SmolLM2's template has no tool section: the generic fallback still shows the tools.
        let smol = try ChatTemplate.load(modelPath: TestModels.smollm2())
        #expect(try smol.render(request()).prompt.contains("get_weather"))
    }

    @Test("a Gemma file without a template gets Gemma's turns, not ChatML")
    func gemmaFallback() throws {
        #expect(FallbackChatTemplate.template(architecture: "gemma3", hasChatTemplate: false) == FallbackChatTemplate.gemma)
        #expect(FallbackChatTemplate.template(architecture: "gemma3", hasChatTemplate: true) == nil)
        #expect(FallbackChatTemplate.template(architecture: "llama", hasChatTemplate: false) == nil)
        let template = try ChatTemplate.load(modelPath: TestModels.smollm2(), overrideTemplate: FallbackChatTemplate.gemma)
        let conversation = GenerationRequest(prompt: .chat([.system("Be terse."), .user("Hi"), .assistant("Hello."), .user("Bye")]))
        let prompt = try template.render(conversation).prompt
        #expect(prompt.hasSuffix("""
            <start_of_turn>user
            Be terse.

            Hi<end_of_turn>
            <start_of_turn>model
            Hello.<end_of_turn>
            <start_of_turn>user
            Bye<end_of_turn>
            <start_of_turn>model

            """), "\(prompt)")
    }
}
