import Foundation
import NexusAgent
import NexusCore
import NexusInference
import NexusModules
import NexusStore
import NexusTesting
import NexusTools
import Testing

@Suite("HOPE: signatures, generalized traces, followers, crystallization")
struct HopeTests {
    static let countTask = "Count the lines of %@ and write the count into count.txt"

    /// A learner run (scripted model) that reads a file, writes its line count and answers.
    func learn(_ fixture: AgentFixture, file: String) async throws -> RunSummary {
        let (runner, _) = fixture.runner([
            call("filesystem_read", #"{"path": "\#(file)"}"#),
            call("filesystem_write", #"{"path": "count.txt", "content": "1\n"}"#),
            "\(file) has 1 line; I wrote 1 into count.txt.",
        ])
        let events = try await fixture.collect(runner.start(task: String(format: Self.countTask, file), workspace: fixture.workspace.url, policy: .default))
        return try #require(events.summary)
    }

    func write(_ fixture: AgentFixture, _ name: String, lines: Int) throws {
        let text = (1...lines).map { "line \($0)\n" }.joined()
        try Data(text.utf8).write(to: fixture.workspace.url.appendingPathComponent(name))
    }

    func count(_ fixture: AgentFixture) throws -> String {
        try String(contentsOf: fixture.workspace.url.appendingPathComponent("count.txt"), encoding: .utf8)
    }

    @Test("a task's signature lifts out its parameters, case and all")
    func parameters() {
        let (signature, parameters) = TaskSignature.analyze("Copy Notes.TXT to 'Backup Copy' and keep 3 lines from https://example.com/a")
        #expect(signature == "copy <path> to <text> and keep <number> lines from <url>")
        #expect(parameters.map(\.value) == ["Notes.TXT", "Backup Copy", "3", "https://example.com/a"])
        #expect(parameters.map(\.kind) == [.path, .text, .number, .url])
    }

    @Test("signatures match by their words, the slots weighing half")
    func similarity() {
        #expect(Dispatcher.similarity("copy <path> to <path>", "copy <path> to <path>") == 1)
        #expect(Dispatcher.similarity("copy <path> to <path>", "rename <path> to <path>") < 0.75)
        #expect(Dispatcher.similarity("count the lines of <path>", "count all the lines of <path>") >= 0.75)
    }

    @Test("a trace generalizes: paths become parameters, written counts become derived values")
    func inference() throws {
        let steps = [
            RunStep(runID: "r", index: 1, tool: "filesystem_read", arguments: ["path": "a.txt"], status: "ok", result: "[a.txt: 2 lines]\nx\ny\n"),
            RunStep(runID: "r", index: 2, tool: "filesystem_write", arguments: ["path": "count.txt", "content": "2\n"], status: "ok", result: "created"),
        ]
        let program = try #require(TraceProgram.infer(runID: "r", task: String(format: Self.countTask, "a.txt"), steps: steps, answer: "a.txt has 2 lines"))
        #expect(program.parameterNames == ["path1", "path2"])
        #expect(program.steps[0].arguments == .object(keys: ["path"], values: [.text(TextTemplate([.parameter(0)]))]))
        #expect(program.steps[1].arguments == .object(keys: ["path", "content"], values: [
            .text(TextTemplate([.parameter(1)])), .text(TextTemplate([.derived(step: 0, .firstNumber), .literal("\n")])),
        ]))
        #expect(try program.answer.render(parameters: ["b.txt", "count.txt"], results: ["[b.txt: 7 lines]\n"]) == "b.txt has 7 lines")
    }

    @Test("a look whose result nothing uses is left out of the program; a folder parameter matches its ./ form")
    func unusedLooksArePruned() throws {
        let program = try #require(TraceProgram.infer(runID: "r", task: "How many files are in drafts/?", steps: [
            RunStep(runID: "r", index: 1, tool: "filesystem_list", arguments: ["path": "./drafts"], status: "ok", result: "2 files, 0 folders:\n./drafts/a.txt\n./drafts/b.txt"),
            RunStep(runID: "r", index: 2, tool: "filesystem_read", arguments: ["path": "./drafts/a.txt"], status: "ok", result: "[./drafts/a.txt: 1 line]\nhi\n"),
        ], answer: "There are 2 files in drafts."))
        #expect(program.steps.map(\.tool) == ["filesystem_list"])
        // The task's "drafts/" is the parameter "drafts", so the call binds to exactly "./music".
        let music = TaskSignature.parameters(of: "How many files are in music/?").map(\.value)
        #expect(music == ["music"])
        #expect(try program.steps[0].arguments.bind(parameters: music, results: []) == ["path": "./music"])
        #expect(try program.answer.render(parameters: music, results: ["5 files, 0 folders:\n"]) == "There are 5 files in music.")
    }

    @Test("a proven trace is followed without the model; a follower whose step fails hands over to the model")
    func follower() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try write(fixture, "one.txt", lines: 1)
        let learned = try await learn(fixture, file: "one.txt")
        #expect(learned.mode == .learner)

        try write(fixture, "four.txt", lines: 4)
        let (runner, backend) = fixture.runner([])
        let events = try await fixture.collect(runner.start(task: String(format: Self.countTask, "four.txt"), workspace: fixture.workspace.url, policy: .default))
        let followed = try #require(events.summary)
        #expect(followed.mode == .follower)
        #expect(followed.confidence == 1)
        #expect(followed.status == .completed)
        #expect(followed.answer == "four.txt has 4 line; I wrote 4 into count.txt.")
        #expect(followed.tokens.in == 0 && followed.tokens.out == 0)
        #expect(backend.requests.isEmpty)
        #expect(try count(fixture) == "4\n")

        // A missing file: the replayed read fails, and the scripted model finishes the run.
        // It answers twice: nothing was written, so its first answer is sent back once.
        let (fallback, model) = fixture.runner(["The file does not exist.", "The file does not exist."])
        let failed = try #require(await fixture.collect(fallback.start(
            task: String(format: Self.countTask, "missing.txt"), workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(failed.mode == .learner)
        #expect(failed.reason.contains("the model took over"))
        #expect(model.requests.count == 2)
        let reuse = try #require(try TraceStore(database: fixture.database).reuse(of: learned.id))
        #expect(reuse.uses == 3)
        #expect(reuse.successes == 2)

        // The model's answer after the failed replay is a newer trace of the same shape, used once:
        // the next task still follows the trace that has worked more often.
        try write(fixture, "five.txt", lines: 5)
        let next = try #require(try await fixture.collect(fixture.runner([]).0.start(
            task: String(format: Self.countTask, "five.txt"), workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(next.mode == .follower)
        #expect(next.reason.contains(learned.id))
    }

    @Test("five good uses crystallize into a validated, installed module that runs with no model; the graph records it")
    func crystallization() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        try write(fixture, "f0.txt", lines: 1)
        let learned = try await learn(fixture, file: "f0.txt")
        for index in 1...4 {
            try write(fixture, "f\(index).txt", lines: index + 1)
            let (runner, _) = fixture.runner([])
            let summary = try #require(await fixture.collect(runner.start(
                task: String(format: Self.countTask, "f\(index).txt"), workspace: fixture.workspace.url, policy: .default)).summary)
            #expect(summary.mode == .follower)
        }
        let runtime = ModuleRuntime(database: fixture.database, tools: fixture.tools)
        let crystallizer = Crystallizer(database: fixture.database, lifecycle: ModuleLifecycle(runtime: runtime, ledger: Ledger(database: fixture.database, home: home.url)))
        let candidate = try #require(try crystallizer.candidates().first)
        #expect(candidate.reuse.trace.runID == learned.id)
        #expect(candidate.reuse.uses == 5)
        let made = try await crystallizer.crystallize(runID: learned.id)
        #expect(made.testedRuns == 5)
        #expect(made.module.hasSuffix("@1.0.0"))
        #expect(try crystallizer.candidates().isEmpty)
        #expect(try GraphStore(database: fixture.database).edges(from: made.moduleID).contains { $0.kind == .crystallizedFrom && $0.target == "trace:\(learned.id)" })

        // The next run of the same shape calls the module: one step, no model.
        try write(fixture, "f9.txt", lines: 9)
        let tools = try runtime.tools.adding(try runtime.installedTools())
        let backend = RecordingBackend(wrapping: ScriptedBackend(name: "script", responses: []))
        let runner = AgentRunner(backend: backend, tools: tools, database: fixture.database)
        let summary = try #require(await fixture.collect(runner.start(
            task: String(format: Self.countTask, "f9.txt"), workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.mode == .crystallized)
        #expect(summary.answer == "f9.txt has 9 line; I wrote 9 into count.txt.")
        #expect(summary.steps.count == 1)
        #expect(backend.requests.isEmpty)
        #expect(try count(fixture) == "9\n")
    }

    @Test("a module whose code disagrees with its recorded runs fails validation and is not installed")
    func validationCatchesDisagreement() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let lifecycle = ModuleLifecycle(runtime: ModuleRuntime(database: fixture.database, tools: fixture.tools), ledger: Ledger(database: fixture.database, home: home.url))
        let manifest: JSONValue = [
            "name": "replayed", "version": "1.0.0", "description": "reads a file",
            "input": ["type": "object", "properties": ["path1": ["type": "string"]]],
            "output": ["type": "object"],
            "capabilities": ["tools": ["filesystem_read"], "read": ["."]],
            "tests": [["input": ["path1": "a.txt"], "calls": [["tool": "filesystem_read", "arguments": ["path": "b.txt"], "result": ["content": "x"]]],
                       "expect": ["answer": "x"]]],
        ]
        let code = "local M = {}\nfunction M.run(input)\n  return { answer = nexus.call(\"filesystem_read\", { path = input.path1 }) }\nend\nreturn M\n"
        let draft = try lifecycle.createDraft(manifest: manifest, code: code, actor: "test").record
        let report = try await lifecycle.validate("nexus://\(draft.id)")
        #expect(!report.passed)
        #expect(report.failures.first?.message.contains("differs from the recorded trace") == true)
    }

    @Test("a taught trace is followed, and successful runs export as chat-format training data")
    func teachAndExport() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try write(fixture, "two.txt", lines: 2)
        let (runner, _) = fixture.runner([])
        let (inputs, continuation) = AsyncStream<TeachingInput>.makeStream()
        continuation.yield(.call(tool: "filesystem_read", arguments: ["path": "two.txt"]))
        continuation.yield(.answer("two.txt has 2 lines"))
        continuation.finish()
        let taught = try #require(await fixture.collect(runner.teach(
            task: "How many lines does two.txt have?", workspace: fixture.workspace.url, policy: .default, inputs: inputs)).summary)
        #expect(taught.mode == .taught)
        #expect(taught.outcome == .success)

        try write(fixture, "five.txt", lines: 5)
        let followed = try #require(await fixture.collect(runner.start(
            task: "How many lines does five.txt have?", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(followed.mode == .follower)
        #expect(followed.answer == "five.txt has 5 lines")

        let lines = try TrainingExport.lines(database: fixture.database, successOnly: true, definitions: fixture.tools.definitions)
        #expect(lines.count == 2)
        let first = try JSONValue.parse(lines[0])
        let messages = try #require(first["messages"]?.arrayValue)
        #expect(messages.map { $0["role"]?.stringValue ?? "" } == ["system", "user", "assistant", "tool", "assistant"])
        #expect(messages[2]["tool_calls"]?.arrayValue?.first?["function"]?["name"] == "filesystem_read")
        #expect(first["tools"]?.arrayValue?.count == 1)
    }
}

@Suite("HOPE: the Lua derivations agree with the Swift ones")
struct DerivationTwinTests {
    static let samples = [
        "[notes.txt: 3 lines]\nalpha beta\n  gamma  \n\ndelta\n",
        "5 files, 2 folders:\na.txt (3 B)\nb.csv (10 B)\n",
        "[sales.csv: 4 lines]\nname,amount,qty\nann, 12.5,3\nbob,7,x\ncid,-2.25,4\n",
        "[empty.txt is empty]",
        "plain output\r\nwith CRLF\r\n42\n",
        "no digits at all, ünïcödé words\tand tabs",
        "exit code 0\nstdout:\n5",
        "exit code 0\nstdout:\nalpha 7\nbeta\nstderr:\nwarning 9",
        "exit code 1\nstderr:\nTraceback 3",
    ]

    @Test("every derivation gives the same value (or none) in Swift and in a compiled module", arguments: samples)
    func twins(sample: String) async throws {
        let derivations = Derivation.allCases.filter { $0.apply(to: sample) != nil }
        let answer = try await Self.compiledAnswer(derivations.map { .derived(step: 0, $0) }, input: "x", readResult: sample)
        #expect(answer == derivations.map { $0.apply(to: sample)! }, "derivations: \(derivations.map(\.rawValue))")
    }

    /// Each of `pieces` as a compiled module computes it (for a one-step program that reads the
    /// file `input` and gets `readResult`).
    static func compiledAnswer(_ pieces: [TemplatePiece], input: String, readResult: String) async throws -> [String] {
        let database = try NexusDatabase.inMemory()
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let tools = try ToolRegistry([FilesystemReadTool()])
        let runtime = ModuleRuntime(database: database, tools: tools)
        let lifecycle = ModuleLifecycle(runtime: runtime, ledger: Ledger(database: database, home: home.url))
        let program = TraceProgram(sourceRunID: "r", signature: "read <path>", parameterKinds: [.path],
                                   steps: [ProgramStep(tool: "filesystem_read", arguments: .object(keys: ["path"], values: [.text(TextTemplate([.parameter(0)]))]))],
                                   answer: TextTemplate(pieces.flatMap { [$0, .literal("\u{1}")] }))
        let manifest: JSONValue = [
            "name": "twin", "version": "1.0.0", "description": "derivations",
            "input": ["type": "object", "properties": ["path1": ["type": "string"]]],
            "output": ["type": "object"], "capabilities": ["tools": ["filesystem_read"], "read": ["."]],
        ]
        let record = try lifecycle.createDraft(manifest: manifest, code: LuaCompiler.code(for: program), actor: "test").record
        let result = await runtime.run(record, input: ["path1": .string(input)], context: ToolContext(workspace: home.url, policy: .default),
                                       fixture: ModuleFixture(tools: ["filesystem_read": .ok(readResult)]))
        let output = try result.outcome.get()
        return (output["answer"]?.stringValue ?? "").split(separator: "\u{1}", omittingEmptySubsequences: false).dropLast().map(String.init)
    }
}

extension HopeTests {
    @Test("a failing module is passed over with its trace, and a newer trace that succeeds more becomes its next version")
    func evolution() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let runtime = ModuleRuntime(database: fixture.database, tools: fixture.tools)
        let crystallizer = Crystallizer(database: fixture.database, lifecycle: ModuleLifecycle(runtime: runtime, ledger: Ledger(database: fixture.database, home: home.url)))
        func run(_ file: String, lines: Int, script: [String] = [], hope: Bool = true) async throws -> RunSummary {
            try write(fixture, file, lines: lines)
            let tools = try runtime.tools.adding(try runtime.installedTools())
            let runner = AgentRunner(backend: ScriptedBackend(name: "script", responses: script), tools: tools, database: fixture.database,
                                     configuration: AgentConfiguration(hope: HopeThresholds(enabled: hope)))
            return try #require(await fixture.collect(runner.start(task: String(format: Self.countTask, file), workspace: fixture.workspace.url, policy: .default)).summary)
        }
        try write(fixture, "a0.txt", lines: 1)
        _ = try await learn(fixture, file: "a0.txt")
        for index in 1...4 { _ = try await run("a\(index).txt", lines: index) }
        let first = try await crystallizer.crystallize(runID: try #require(try TraceStore(database: fixture.database).list(limit: 10).last).runID)
        #expect(first.module.hasSuffix("@1.0.0"))

        // Three crystallized runs judged bad: the module is passed over, and so is the trace it was
        // compiled from; the model does the task again, guided by that trace (MIXED).
        for index in 5...7 {
            let summary = try await run("a\(index).txt", lines: index)
            #expect(summary.mode == .crystallized)
            try RunStore(database: fixture.database).setOutcome(runID: summary.id, outcome: .failure, source: OutcomeSource.feedback)
        }
        // count.txt exists: the model reads it before writing over it (a run whose last write
        // failed would not be a success, and would not be followed).
        let relearned = try await run("b0.txt", lines: 2, script: [
            call("filesystem_read", #"{"path": "b0.txt"}"#), call("filesystem_read", #"{"path": "count.txt"}"#),
            call("filesystem_write", #"{"path": "count.txt", "content": "2\n"}"#), "Done: 2 lines.",
        ])
        #expect(relearned.mode == .mixed)

        // Followed four times, the new trace replaces the module with a new version.
        for index in 1...4 { #expect(try await run("b\(index).txt", lines: index + 2).mode == .follower) }
        let candidate = try #require(try crystallizer.candidates().first)
        #expect(candidate.reuse.trace.runID == relearned.id)
        #expect(candidate.replaces == first.module)
        let second = try await crystallizer.crystallize(runID: relearned.id)
        #expect(second.module.hasSuffix("@1.1.0"))
        #expect(second.replaced == first.module)
        let summary = try await run("c0.txt", lines: 6)
        #expect(summary.mode == .crystallized)
        #expect(summary.answer == "Done: 6 lines.")
    }
}

/// A scripted model that embeds every text to the same vector: every task "means" the same.
struct SameMeaningBackend: InferenceBackend, EmbeddingBackend {
    let script: RecordingBackend
    var modelName: String { script.modelName }
    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> { script.generate(request) }
    func embed(_ texts: [String]) async throws -> EmbeddingResult {
        EmbeddingResult(vectors: texts.map { _ in [1, 0] }, promptTokens: texts.count)
    }
}

extension HopeTests {
    @Test("a task worded otherwise is guided by a trace close in meaning (MIXED), never replayed on meaning alone")
    func mixedByMeaning() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try write(fixture, "one.txt", lines: 1)
        let learned = try await learn(fixture, file: "one.txt")
        let script = RecordingBackend(wrapping: ScriptedBackend(name: "script", responses: [call("filesystem_read", #"{"path": "a.txt"}"#), "a.txt has 1 line."]))
        let runner = AgentRunner(backend: SameMeaningBackend(script: script), tools: fixture.tools, database: fixture.database)
        let summary = try #require(await fixture.collect(runner.start(task: "Tell me the length of a.txt in rows", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.mode == .mixed)
        #expect(summary.confidence < 0.92 && summary.confidence >= 0.75)
        #expect(summary.reason.contains(learned.id) && summary.reason.contains("by meaning"))
        guard case .chat(let messages) = script.requests.first?.prompt else { Issue.record("not a chat"); return }
        // The trace's calls are shown, without the old task's file: a small model would copy it.
        let guidance = messages.first { $0.role == .user }?.content ?? ""
        #expect(guidance.contains("filesystem_read {\"path\":"))
        #expect(!guidance.contains("one.txt"))
    }
}
