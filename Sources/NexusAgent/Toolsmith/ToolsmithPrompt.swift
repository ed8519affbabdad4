import Foundation
import NexusCore
import NexusModules

/// What the toolsmith says to the model, and how it reads the answer: a JSON object holding the
/// Lua code and the model's own extra test cases, constrained by a JSON Schema grammar.
enum ToolsmithPrompt {
    static let system = """
        You write Nexus modules in Lua 5.4. A module is Lua code that ends with `return M`, where M \
        is a table with a function M.run(input). `input` is a table of the named arguments. M.run \
        returns a table: the JSON result, with exactly the keys the examples show. Only the string, \
        table, math and utf8 libraries exist (no io, os, require or print). Lua strings are bytes: \
        use string.sub, string.gmatch, string.find and string.format. Return integers as integers \
        (use // or math.floor, not /).
        Answer with JSON: {"code": "THE LUA CODE", "tests": [{"input": {...}, "expect": {...}}]}. \
        "tests" holds one or two more cases you are sure of, different from the examples.
        """

    /// The answer's shape, as a JSON Schema the grammar enforces.
    static let answerSchema: JSONValue = [
        "type": "object",
        "properties": [
            "code": ["type": "string"],
            "tests": ["type": "array", "items": [
                "type": "object",
                "properties": ["input": ["type": "object"], "expect": ["type": "object"]],
                "required": ["input", "expect"],
            ]],
        ],
        "required": ["code", "tests"],
    ]

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
            It failed these checks:
            \(report)
            Write the corrected module.
            """)]
    }

    /// The failed checks of a report as lines for the repair prompt (at most eight).
    static func failures(of report: ValidationReport) -> [String] {
        report.failures.filter { $0.message != "not run: fix the problems above first" }.prefix(8).map { check in
            let place = check.stage == "test" ? "test \(check.name)" : check.name
            return "\(place): \(check.message)" + (check.hint.map { " (hint: \($0))" } ?? "")
        }
    }

    /// The code and extra tests of an answer.
    /// - Throws: `NexusError(.invalidModule)` when the answer is not that JSON object.
    static func read(_ answer: String) throws -> (code: String, tests: [(input: JSONObject, expect: JSONValue)]) {
        guard let json = try? JSONValue.parse(answer), let code = json["code"]?.stringValue else {
            throw NexusError(.invalidModule, "the answer is not a JSON object with \"code\"; answer with {\"code\": \"...\", \"tests\": [...]}")
        }
        let tests = (json["tests"]?.arrayValue ?? []).prefix(2).compactMap { test -> (JSONObject, JSONValue)? in
            guard let input = test["input"]?.objectValue, let expect = test["expect"], expect.objectValue?.isEmpty == false else { return nil }
            return (input, expect)
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
