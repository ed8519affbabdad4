public import NexusCore

/// `python_execute`: runs Python 3 code in the ``Sandbox`` (`python3 -E -s -B -c RUNNER CODE`:
/// no PYTHON* variables, no user site-packages, no .pyc files; the workspace is the working
/// directory and on `sys.path`). ``PythonRunner`` shows a last expression's value and runs code
/// a model joined onto one line with `;` as it meant.
///
/// Needs `python3` among the policy's commands (or no command list). Code longer than fits in
/// one argument (over 100 000 bytes) is fed on stdin instead, and then the call's `stdin` is
/// not available. Results are as for `execute_command`: `.ok` for exit status 0, `.error` with
/// the traceback otherwise, `.refused` when the policy does not allow python3.
public struct PythonExecuteTool: Tool {
    /// The largest code passed as an argument (Linux allows 128 KiB per argument).
    static let maxArgumentBytes = 100_000

    public init() {}

    /// It computes or fetches what a question asks.
    public var answersQuestions: Bool { true }

    public var keywords: [String] { ["python", "calculate", "compute", "total", "sum", "average", "mean", "count", "column", "csv", "transform", "uppercase", "lowercase", "sort", "convert", "math", "number", "numbers"] }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "python_execute",
            description: "Run Python 3 code in the workspace and return what it prints (stdout and stderr) and its exit code. Use print() to show results (the value of a last bare expression is shown too). Use only the standard library (csv, json, re, os, math): other packages may be missing.",
            parameters: [
                "type": "object",
                "properties": [
                    "code": ["type": "string", "description": "The Python program."],
                    "stdin": ["type": "string", "description": "Text the program can read from sys.stdin."],
                ],
                "required": ["code"],
                "additionalProperties": false,
            ]
        )
    }

    /// Offered when the policy allows `python3` (by name or path), or any command.
    public func isUsable(under policy: CapabilityPolicy) -> Bool {
        policy.commands.map { $0.contains { $0.split(separator: "/").last == "python3" } } ?? true
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        guard let code = arguments["code"]?.stringValue else { return .error("python_execute needs a \"code\" string") }
        let stdin = arguments["stdin"]?.stringValue
        let sandbox = Sandbox(policy: context.policy, workspace: context.workspace, cpuMeter: context.resources?.sandboxCPU)
        let flags = ["-E", "-s", "-B"]
        if code.utf8.count <= Self.maxArgumentBytes {
            let earlier = Self.earlierCells(context.earlierCode ?? [])
            return try await ExecuteCommandTool.run(sandbox, "python3", flags + ["-c", PythonRunner.source, code, earlier], stdin: stdin)
        }
        if stdin != nil {
            return .error("the code is \(code.utf8.count) bytes, too long to pass as an argument, so it goes on stdin and the call cannot also give \"stdin\"; write the input to a file in the workspace instead")
        }
        return try await ExecuteCommandTool.run(sandbox, "python3", flags + ["-"], stdin: code)
    }

    /// The run's earlier code as the runner reads it (a JSON array), newest kept when it is long.
    public static func earlierCells(_ cells: [String]) -> String {
        var kept: [String] = []
        var bytes = 0
        for cell in cells.reversed() {
            bytes += cell.utf8.count
            if bytes > maxEarlierBytes { break }
            kept.insert(cell, at: 0)
        }
        return JSONValue.array(kept.map(JSONValue.string)).jsonText
    }

    /// The most of a run's earlier code passed along (an argument has a size limit of its own).
    public static let maxEarlierBytes = 48_000
}
