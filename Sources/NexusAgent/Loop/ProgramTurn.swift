import Foundation
import NexusCore
import NexusStore
import NexusTools

/// A turn that asks the model for one Python program doing the whole task, written as a fenced
/// block in its reply rather than inside a tool call's JSON (`AgentConfiguration.writesProgramFirst`).
///
/// Measured on the agent benchmark's dev tasks with the default model (0.5B), the same request
/// gave a program that did the task in 14 of 24 tasks as a fenced block and in 2 of 24 as a
/// `python_execute` call: in JSON the model escapes quotes and line breaks wrongly, loses
/// indentation, and writes `return` at the top level. The program runs as a `python_execute`
/// step, under the same policy and sandbox as any call, and is recorded as one.
public enum ProgramTurn {
    static let tool = TaskIntent.codeTool

    /// The first request: the task, done by one program, with what is known of the files read
    /// so far (``TableNotes``) and the paths the task asks for that do not exist yet.
    public static func ask(_ task: String, notes: [String] = [], missing: [String] = []) -> String {
        """
        \(opening(task))
        The program runs in the workspace folder (the current directory); paths are relative to it. \
        Use only Python's standard library. \
        Read the files the task needs and do the work: when the task asks to create, change, copy, move or delete \
        a file or folder, the program itself must do it. Print the result the user asked for. \
        \((notes + toCreate(missing)).map { $0 + " " }.joined())Reply with the program in one ```python block and nothing else.
        """
    }

    /// What the request says of the paths a task asks for: their exact names, and that a script
    /// asked for is a file the program writes. Told nothing, the small model wrote `NAME.txt` for
    /// a file called `NAME`, and printed primes where it was asked for a script `primes.py`
    /// that prints them.
    static func toCreate(_ missing: [String]) -> [String] {
        guard !missing.isEmpty else { return [] }
        var notes = ["The program must create \(TaskIntent.quoted(missing)) (\(missing.count == 1 ? "it does" : "they do") not exist yet), with exactly that name."]
        if missing.contains(where: { scriptExtensions.contains(($0 as NSString).pathExtension.lowercased()) }) {
            notes.append("A script the task asks for is a file: the program writes the script's code into it as text, and may run it to check.")
        }
        return notes
    }

    static let scriptExtensions: Set<String> = ["py", "sh", "bash", "js", "rb", "pl", "php", "lua", "r"]

    /// The first line of ``ask(_:notes:)``, by which a fix turn finds the first request.
    static func opening(_ task: String) -> String {
        "Write one Python 3 program that does this task: \(task)"
    }

    /// Whether the task needs a tool a program cannot reach, so it is left to tool calls: one
    /// of an MCP server or a module, or the web or a database that the policy opened, when the
    /// task's words chose it (`ToolSelection`); the agent's memory or its own settings when the
    /// task says so in the words only those mean ("remember", "yourself"). Memory's looser
    /// keywords ("note", "keep") also name files, and a program serves those tasks.
    static func needsAnotherTool(_ task: String, chosen: [String]) -> Bool {
        let words = Set(task.lowercased().split { !$0.isLetter }.map(String.init))
        return chosen.contains { name in
            if standsInFor.contains(name) { return false }
            if name.hasPrefix("memory_") { return !words.isDisjoint(with: memoryWords) }
            if name == "self_modify" { return !words.isDisjoint(with: selfWords) }
            return true
        }
    }

    /// The workspace's file tools and code: what a program does itself.
    static let standsInFor: Set<String> = [
        "filesystem_list", "filesystem_read", "filesystem_write", "filesystem_replace", "filesystem_search",
        "filesystem_copy", "filesystem_move", "filesystem_delete", "filesystem_mkdir", tool, "execute_command",
    ]
    static let memoryWords: Set<String> = ["remember", "recall", "memory", "memories", "forget"]
    static let selfWords: Set<String> = ["yourself", "soul", "prompt"]

    /// The request after a program failed: the whole program again, fixed.
    public static let fix = "The program did not do the task (see above). Fix it, and reply with the whole corrected program in one ```python block and nothing else."

    /// The request a fix turn shows the model: the first request again, with what went wrong in
    /// words, and without the failed program. In view, a small model copies the failed program
    /// word for word, at any temperature (seen on the agent benchmark's dev tasks: three fixes,
    /// one program).
    static func askAgain(_ ask: String, after failure: String) -> String {
        ask + "\nAn earlier program for this task did not do it:\n" + failure + "\nWrite a different program that avoids this."
    }

    /// What went wrong with the last program, from the messages since the first request: the
    /// last lines of its error (the exception, and any hint the runner added), or that it
    /// changed nothing. Traceback frames are left out: they name the failed program's own
    /// functions, and a model shown `in calculate_average` calls that function from a program
    /// that no longer defines it.
    static func failure(in messages: ArraySlice<ChatMessage>) -> String {
        if let last = messages.last, last.role == .user, last.content.hasPrefix(ranBut) { return last.content }
        // The name the program meant, when it opened one that does not exist (`NearNames`).
        let near = messages.last.flatMap { $0.role == .user && $0.content.hasPrefix(NearNames.lead) ? $0.content : nil }
        guard let output = messages.last(where: { $0.role == .tool })?.content else { return near ?? "It failed." }
        let frame = ["File \"", "Traceback", "stderr:", "stdout:", "exit code"]
        let lines = output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { line in !line.isEmpty && !frame.contains { line.hasPrefix($0) } }
        return (lines.suffix(2).map { String($0.prefix(300)) } + (near.map { [$0] } ?? [])).joined(separator: "\n")
    }

    /// What a program that ran and changed nothing is told, when the task asks for a change.
    static let changedNothing = ranBut + "no file or folder in the workspace changed, and the task asks for a change."

    /// What a program that ran is told when a path the task asks for still does not exist.
    static func leftMissing(_ missing: [String]) -> String {
        ranBut + TaskIntent.quoted(missing) + (missing.count == 1 ? " still does" : " still do") + " not exist, and the task asks for it."
    }

    /// How the loop's messages about a program that ran but did not do the task begin.
    static let ranBut = "The program ran, but "

    /// The program in a reply: its first fenced block, tagged python, py or not at all (a block
    /// cut off by the token limit runs to the reply's end). Nil for a reply without one: prose
    /// is never run as code.
    public static func program(in reply: String) -> String? {
        let text = reply.replacingOccurrences(of: "\r\n", with: "\n")
        guard let open = text.range(of: "```") else { return nil }
        let afterFence = text[open.upperBound...]
        let header = afterFence.prefix { $0 != "\n" }
        guard ["", "python", "python3", "py"].contains(header.trimmingCharacters(in: .whitespaces).lowercased()) else { return nil }
        let body = afterFence.dropFirst(header.count + 1)
        let code = String(body.range(of: "```").map { body[..<$0.lowerBound] } ?? body)
        return code.allSatisfy(\.isWhitespace) ? nil : code
    }
}

extension AgentRunner {
    /// Whether the next turn asks for a program: a run that learns on its own or is guided by a
    /// trace (MIXED) asks on its first model turn, and again after a failed program, a few times
    /// in all. A replay that failed part-way hands over to tool calls: its steps did part of the task.
    /// (On bench/hope.sh make_folder, guided runs held to tool calls failed 6 of 6 at 11k tokens
    /// each, where a program did the task in one turn of 800.)
    func programIsDue(_ session: LoopSession) -> Bool {
        let state = session.state
        guard state.oldTaskValues == nil || session.record.mode == .mixed, state.programs < configuration.maxPrograms, writesPrograms(under: session.policy),
              let chosen = state.offeredTools, !ProgramTurn.needsAnotherTool(session.record.task, chosen: chosen) else { return false }
        // The first turn is one no model has taken yet (looking ahead generates nothing).
        return state.programs == 0 ? state.completionTokens == 0 && !state.mustAct : state.programFailed
    }

    /// Whether a reply on a turn that could call tools is a program written as in a program
    /// turn (a fenced block and no call), while programs are left: once asked for programs, a
    /// small model goes on writing them, and one is run as one (and counted) rather than taken
    /// as the final answer. With none left, it is judged as any reply is: a model that only
    /// writes programs that fail would otherwise write them until the budget ends.
    func writesProgram(_ result: GenerationResult, on request: GenerationRequest, _ session: LoopSession) -> Bool {
        request.toolChoice != .none && result.toolCalls.isEmpty && session.state.programs < configuration.maxPrograms
            && ProgramTurn.program(in: result.text) != nil && writesPrograms(under: session.policy)
    }

    /// Programs are asked for, and the policy lets them run.
    private func writesPrograms(under policy: CapabilityPolicy) -> Bool {
        configuration.writesProgramFirst && offerableTools(under: policy).contains { $0.name == ProgramTurn.tool }
    }

    /// The request of a program turn: the conversation so far, then what is asked, in words and
    /// with no tools in view (a program is not a call).
    func programRequest(_ session: inout LoopSession) -> GenerationRequest {
        let fixing = session.state.programs > 0
        let messages = session.state.messages
        let opening = ProgramTurn.opening(session.record.task)
        let first = messages.firstIndex { $0.role == .user && $0.content.hasPrefix(opening) }
        let task = session.record.task
        let ask = first.map { messages[$0].content }
            ?? ProgramTurn.ask(task, notes: TableNotes.notes(messages), missing: TaskIntent(task).missingPaths(of: task, context: session.context))
        var prompt = messages + [.user(fixing ? ProgramTurn.fix : ask)]
        var sampling = configuration.sampling
        if fixing {
            // The run's record keeps the whole exchange; the model is asked afresh.
            if let first {
                let failure = ProgramTurn.failure(in: messages[first...])
                prompt = Array(messages[..<first]) + [.user(ProgramTurn.askAgain(ask, after: failure))]
            }
            // Drawn greedily, a fix is most often the failed program again, word for word.
            sampling.temperature = max(sampling.temperature, Self.redrawTemperature)
            sampling.seed = sampling.seed.map { $0 &+ UInt32(session.state.step) }
        }
        session.state.messages.append(.user(fixing ? ProgramTurn.fix : ask))
        session.state.programs += 1
        return GenerationRequest(prompt: .chat(prompt), tools: [], toolChoice: .none,
                                 sampling: sampling, maxTokens: configuration.maxTokensPerTurn)
    }

    /// Runs the program in a program turn's reply as a `python_execute` step. After a program
    /// that ran, the next turn answers from its output; after one that failed, the next is asked
    /// to fix it while programs are left. A reply without a program, or the last failed one,
    /// leaves the rest of the run to tool calls.
    func runProgram(_ result: GenerationResult, since: ContinuousClock.Instant, _ session: inout LoopSession) async throws -> LoopPhase {
        guard let code = ProgramTurn.program(in: result.text) else {
            session.state.programs = configuration.maxPrograms
            session.state.messages.append(.assistant(result.text))
            try persist(&session.record, state: session.state, steps: [
                RunStep(runID: session.record.id, index: session.state.step, status: "no_program", resultExcerpt: String(result.text.prefix(500)),
                        durationSeconds: (ContinuousClock.now - since).inSeconds,
                        promptTokens: result.usage.promptTokens, completionTokens: result.usage.completionTokens)])
            return .prepare
        }
        let call = ToolCall(id: "program_\(session.state.step)", name: ProgramTurn.tool, arguments: ["code": .string(code)])
        // The conversation shows the program as the model wrote it (not again as a call's JSON,
        // which a fix turn would imitate); the step records the call.
        session.state.messages.append(.assistant(result.text))
        let (step, outcome) = await perform(call, turn: session.state.step, task: session.record.task, state: &session.state,
                                           context: &session.context, offered: [ProgramTurn.tool], usage: result.usage, emit: session.emit)
        // A program that exits cleanly but changes nothing, or leaves a path the task asks for
        // missing, has not done the task.
        let task = session.record.task
        let intent = TaskIntent(task)
        let changedNothing = outcome.status == .ok && intent.asksChange && !session.state.changedSomething
        let missing = outcome.status == .ok && !changedNothing ? intent.missingPaths(of: task, context: session.context) : []
        if outcome.status != .ok, let near = NearNames.hint(for: outcome.content, context: session.context) {
            session.state.messages.append(.user(near))
        }
        if changedNothing { session.state.messages.append(.user(ProgramTurn.changedNothing)) }
        if !missing.isEmpty { session.state.messages.append(.user(ProgramTurn.leftMissing(missing))) }
        session.state.programFailed = outcome.status != .ok || changedNothing || !missing.isEmpty
        // A program that did the task as far as can be seen: the model answers next.
        session.state.lastTurnRepeated = !session.state.programFailed
        try persist(&session.record, state: session.state, steps: [step])
        return .prepare
    }
}
