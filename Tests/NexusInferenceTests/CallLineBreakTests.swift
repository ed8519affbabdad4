import Foundation
import NexusCore
import NexusInference
import NexusTesting
import Testing

/// A program written into a call's argument: JSON bars a raw line break inside a string, and a
/// code model held to that grammar writes its Python on one line (`import csv; with open(...) as
/// f: ...`), which does not run. The call grammar admits raw line breaks; the parsed call is
/// strict JSON again.
@Suite("Line breaks in a call's string arguments")
struct CallLineBreakTests {
    static let python = ToolDefinition(
        name: "python_execute", description: "Run Python code",
        parameters: ["type": "object", "properties": ["code": ["type": "string"]], "required": ["code"]])
    static let program = "import csv\nwith open('sales.csv') as file:\n\tprint(len(file.readlines()))"

    func request(_ choice: ToolChoice) -> GenerationRequest {
        GenerationRequest(prompt: .chat([.user("How many lines are in sales.csv?")]), tools: [Self.python], toolChoice: choice)
    }

    @Test("the call grammar admits a program with raw line breaks and tabs", arguments: [ToolChoice.required, .auto])
    func grammarAdmits(choice: ToolChoice) throws {
        let template = try ChatTemplate.load(modelPath: TestModels.path("qwen2.5-coder:0.5b"))
        let grammar = try template.grammar(request(choice))
        let call = "{\"name\": \"python_execute\", \"arguments\": {\"code\": \"\(Self.program)\"}}"
        #expect(try JSONSchemaGrammar.matches(grammar: grammar, text: "<tool_call>\n\(call)\n</tool_call>"))
        // Other control characters are still refused.
        let bell = call.replacingOccurrences(of: "\t", with: "\u{07}")
        #expect(try !JSONSchemaGrammar.matches(grammar: grammar, text: "<tool_call>\n\(bell)\n</tool_call>"))
    }

    @Test("the parsed call carries the program's line breaks as JSON escapes")
    func parsedStrict() throws {
        let template = try ChatTemplate.load(modelPath: TestModels.path("qwen2.5-coder:0.5b"))
        let output = "<tool_call>\n{\"name\": \"python_execute\", \"arguments\": {\"code\": \"\(Self.program)\"}}\n</tool_call>"
        let calls = try template.parse(output, for: request(.required)).toolCalls
        #expect(calls.map(\.arguments) == [["code": .string(Self.program)]])
        #expect(calls.first.map { !$0.arguments.jsonText.contains("\n") } == true)
    }

    @Test("raw breaks are escaped inside strings only", arguments: [
        ("{\"a\": \"x\ny\"}", "{\"a\": \"x\\ny\"}"),
        ("{\n\"a\":\t\"q\\\"\t\\\\\"}", "{\n\"a\":\t\"q\\\"\\t\\\\\"}"),
        ("{\"a\": \"already\\nescaped\"}", "{\"a\": \"already\\nescaped\"}"),
    ])
    func escaping(raw: String, expected: String) {
        #expect(JSONValue.escapingRawLineBreaks(inStringsOf: raw) == expected)
    }
}
