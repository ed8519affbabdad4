public import NexusCore

/// `execute_command`: runs a program in the ``Sandbox`` under the run's policy.
///
/// Two forms:
/// - `{"command": "grep", "args": ["-n", "TODO", "main.py"]}` starts the program with exactly
///   those arguments; no shell is involved, so nothing in an argument is interpreted.
/// - `{"command": "grep -n TODO main.py"}` is a command line. A simple one (words, quotes,
///   backslashes) is split without a shell and started the same way. One that needs a shell
///   (pipes, redirection, `&&`, variables, globs, ...) runs as `sh -c LINE`, and only when the
///   policy allows `sh`; otherwise the call is refused with a note on the `args` form.
///
/// The command must be in the policy's `commands` (any command when that list is absent).
/// Exit status 0 is `.ok`; a non-zero status, a signal or the wall-clock kill is `.error` that
/// says which; a command outside the policy is `.refused`.
public struct ExecuteCommandTool: Tool {
    public init() {}

    /// It computes or fetches what a question asks.
    public var answersQuestions: Bool { true }

    public var keywords: [String] { ["run", "command", "program", "shell", "terminal", "output", "version", "execute", "prints"] }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "execute_command",
            description: "Run a command in the workspace and return its exit code and output. Give the program in \"command\" and its arguments in \"args\", or a whole command line in \"command\" (pipes and redirection need sh to be allowed).",
            parameters: [
                "type": "object",
                "properties": [
                    "command": ["type": "string", "description": "The program to run (example: \"ls\"), or a command line when \"args\" is absent (example: \"ls -la src\")."],
                    "args": ["type": "array", "items": ["type": "string"], "description": "Arguments for the program, one per item (example: [\"-la\", \"src\"])."],
                    "stdin": ["type": "string", "description": "Text to give the command on standard input."],
                ],
                "required": ["command"],
                "additionalProperties": false,
            ]
        )
    }

    /// Offered unless the policy allows no command at all.
    public func isUsable(under policy: CapabilityPolicy) -> Bool { policy.commands.map { !$0.isEmpty } ?? true }

    public func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        guard let command = arguments["command"]?.stringValue else { return .error("execute_command needs a \"command\" string") }
        let stdin = arguments["stdin"]?.stringValue
        let sandbox = Sandbox(policy: context.policy, workspace: context.workspace, cpuMeter: context.resources?.sandboxCPU)

        let program: String
        let programArguments: [String]
        // An empty "args" beside a whole command line ("python3 --version") means the line alone.
        if let list = arguments["args"], list.arrayValue?.isEmpty != true || !command.contains(where: \.isWhitespace) {
            let items = list.arrayValue ?? []
            let strings = items.compactMap(\.stringValue)
            guard list.arrayValue != nil, strings.count == items.count else {
                return .error("execute_command's \"args\" must be an array of strings")
            }
            program = command
            programArguments = strings
        } else {
            switch ShellWords.split(command) {
            case .unterminatedQuote:
                return .error("the command line has a quote that is not closed: \(command)")
            case .words(let words):
                guard let first = words.first else { return .error("execute_command got an empty command") }
                program = first
                programArguments = Array(words.dropFirst())
            case .needsShell(let construct):
                guard sandbox.permits("sh") else {
                    return .refused("the command line uses shell syntax (\(construct)), which needs sh, and this run's policy does not allow sh; run the program directly with {\"command\": PROGRAM, \"args\": [...]}")
                }
                program = "sh"
                programArguments = ["-c", command]
            }
        }
        if program.isEmpty { return .error("execute_command got an empty command") }
        return try await Self.run(sandbox, program, programArguments, stdin: stdin)
    }

    /// Runs through the sandbox and maps its refusals and failures onto tool results; only a
    /// sandbox that cannot be set up (a failure of Nexus, not of the call) throws.
    static func run(_ sandbox: Sandbox, _ program: String, _ arguments: [String], stdin: String?) async throws -> ToolResult {
        do {
            let outcome = try await sandbox.run(program, arguments: arguments, stdin: stdin)
            return outcome.toolResult(limits: sandbox.policy.limits)
        } catch let error as NexusError where error.code == .commandRefused {
            return .refused(error.message)
        } catch let error as NexusError where error.code == .commandNotFound || error.code == .invalidArgument {
            return .error(error.message)
        }
    }
}
