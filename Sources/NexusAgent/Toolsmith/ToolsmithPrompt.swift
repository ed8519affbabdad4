import Foundation
public import NexusCore
import NexusModules

/// What the toolsmith says to the model, and how it reads the answer: the Lua code in one fenced
/// block, then a `tests:` line holding the model's own extra cases as JSON. A grammar holds local
/// models to that shape. (Code inside a JSON string was tried first: the small default model closed
/// the string at the first `"` of a Lua string literal and rarely wrote a module that compiled.)
public enum ToolsmithPrompt {
    static let system = """
        You write Nexus modules in Lua 5.4. A module is Lua code that ends with `return M`, where M \
        is a table with a function M.run(input). `input` is a table of the named arguments. M.run \
        returns a table: the JSON result, with exactly the keys the examples show. Only the string, \
        table, math and utf8 libraries exist (no io, os, require or print). Return whole numbers as \
        integers (use // or math.floor, not /). For example, a module that adds up a list of numbers:
        ```lua
        local M = {}
        function M.run(input)
          local total = 0
          for _, n in ipairs(input.numbers) do
            total = total + n
          end
          return { total = total }
        end
        return M
        ```
        tests: [{"input": {"numbers": [4, 5]}, "expect": {"total": 9}}]

        Answer the same way: the whole module in one ```lua block, then a line `tests: [...]` with \
        one or two more cases you are sure of, different from the examples.
        """

    /// The answer's shape for local models: a Lua block whose lines hold no backquote, then the tests.
    public static let grammar = #"""
        root ::= "```lua\n" line+ "```\n" "tests: " tests
        line ::= [^`\n]* "\n"
        tests ::= "[]" | "[" test "]" | "[" test ", " test "]"
        test ::= "{\"input\": " object ", \"expect\": " object "}"
        object ::= "{" ( pair ( ", " pair )* )? "}"
        pair ::= string ": " value
        value ::= object | array | string | number | "true" | "false" | "null"
        array ::= "[" ( value ( ", " value )* )? "]"
        string ::= "\"" ( [^"\\\x00-\x1F] | "\\" ["\\/bfnrt] )* "\""
        number ::= "-"? [0-9]+ ( "." [0-9]+ )?
        """#

    /// The task: description, arguments and the visible examples.
    static func task(_ specification: ModuleSpecification) -> String {
        let arguments = (specification.inputSchema["properties"]?.objectValue ?? [:]).map { name, schema in
            "\(name) (\(schema["type"]?.stringValue ?? "any"))"
        }.joined(separator: ", ")
        let examples = specification.visible.map { "M.run(\(JSONValue.object($0.input).jsonText)) returns \($0.output.jsonText)" }
            .joined(separator: "\n")
        return "Module: \(specification.description)\nArguments: \(arguments)\nExamples:\n\(examples)"
    }

    static func build(_ specification: ModuleSpecification) -> [ChatMessage] {
        [.system(system), .user(task(specification) + "\nWrite the module.")]
    }

    /// The task again, the code that failed, and what failed, with hints: one merged report.
    static func repair(_ specification: ModuleSpecification, code: String, failures: [String]) -> [ChatMessage] {
        let report = failures.map { "- \($0)" }.joined(separator: "\n")
        return [.system(system), .user("""
            \(task(specification))
            This code was written for it:
            ```lua
            \(code)
            ```
            It is wrong:
            \(report)
            Write the corrected module: change the code so that every example returns what it must.
            """)]
    }

    /// The failed checks of a report as lines for the repair prompt (at most eight). A failing
    /// test shows the call it made (from `inputs`, by test name); an error that names a line of
    /// the chunk (`nexus://ID:LINE:`) names it by number and quotes it from `code`.
    static func failures(of report: ValidationReport, inputs: [String: JSONObject] = [:], code: String = "") -> [String] {
        let lines = code.components(separatedBy: "\n")
        return report.failures.filter { $0.message != "not run: fix the problems above first" }.prefix(8).map { check in
            let call = inputs[check.name].map { "M.run(\(JSONValue.object($0).jsonText))" }
            if check.kind == "wrong_output", let call, let range = check.message.range(of: ", expected ") {
                let returned = check.message[..<range.lowerBound].replacingOccurrences(of: "returned ", with: "")
                return "\(call) returned \(returned) but must return \(check.message[range.upperBound...])"
            }
            var message = check.message
            if let found = message.range(of: #"nexus://[0-9a-f]+:(\d+): "#, options: .regularExpression) {
                let number = Int(message[found].dropFirst(8).split(separator: ":")[1]) ?? 0
                let quoted = (1...lines.count).contains(number) ? " (line \(number): `\(lines[number - 1].trimmingCharacters(in: .whitespaces))`)" : ""
                message = "line \(number): " + message[found.upperBound...] + quoted
            }
            let place = call ?? (check.stage == "test" ? "test \(check.name)" : check.name)
            return "\(place): \(message)" + (check.hint.map { " (hint: \($0))" } ?? "")
        }
    }

    /// The code and extra tests of an answer: the first fenced block (or the whole answer when
    /// it has none, as a remote model may answer), and the cases of a `tests:` line after it.
    /// - Throws: `NexusError(.invalidModule)` when there is no code.
    static func read(_ answer: String) throws -> (code: String, tests: [(input: JSONObject, expect: JSONValue)]) {
        var code = answer
        var rest = ""
        if let open = answer.range(of: "```") {
            let afterOpen = answer[open.upperBound...]
            let body = afterOpen.drop { $0 != "\n" }.dropFirst()
            if let close = body.range(of: "```") {
                code = String(body[..<close.lowerBound])
                rest = String(body[close.upperBound...])
            } else {
                code = String(body)
            }
        }
        guard code.contains(where: { !$0.isWhitespace }) else {
            throw NexusError(.invalidModule, "the answer holds no Lua code; answer with the module in a ```lua block")
        }
        var tests: [(JSONObject, JSONValue)] = []
        if let marker = rest.range(of: "tests:"), let list = try? JSONValue.parse(String(rest[marker.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)) {
            tests = (list.arrayValue ?? []).prefix(2).compactMap { test in
                guard let input = test["input"]?.objectValue, let expect = test["expect"], expect.objectValue?.isEmpty == false else { return nil }
                return (input, expect)
            }
        }
        return (normalized(code), tests)
    }

    /// The code as a module chunk: a fence around it dropped, and a chunk that defines a global
    /// `run` without returning a table given the `return` it forgot.
    static func normalized(_ code: String) -> String {
        var lines = code.components(separatedBy: "\n")
        if lines.first?.hasPrefix("```") == true { lines.removeFirst() }
        if lines.last?.hasPrefix("```") == true { lines.removeLast() }
        var text = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        let returnsSomething = text.components(separatedBy: "\n").last?.trimmingCharacters(in: .whitespaces).hasPrefix("return") == true
        if !returnsSomething, text.contains("function run(") {
            text += "\nreturn { run = run }"
        }
        return text + "\n"
    }
}
