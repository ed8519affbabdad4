import Foundation
import NexusAgent
import NexusCore
import NexusInference
import NexusModules
import NexusStore
import NexusTesting
import NexusTools
import Testing

/// HOPE replays only what it can prove: a follower binds every changed word of the task to a
/// parameter, carries no value of the old task, and states only what its own results show;
/// guided (MIXED) runs see the new task's values and are stopped from using the old ones.
@Suite("HOPE: sound replay")
struct SoundReplayTests {
    static let boxTask = "List the files in the folder %@ and tell me how many there are."

    func folder(_ fixture: AgentFixture, _ name: String, files: Int) throws {
        let url = fixture.workspace.url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for index in 0..<files { try Data("file \(index)\n".utf8).write(to: url.appendingPathComponent("f\(index).txt")) }
    }

    func file(_ fixture: AgentFixture, _ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: fixture.workspace.url.appendingPathComponent(name))
    }

    func text(_ fixture: AgentFixture, _ name: String) -> String? {
        try? String(contentsOf: fixture.workspace.url.appendingPathComponent(name), encoding: .utf8)
    }

    func run(_ fixture: AgentFixture, _ task: String, _ script: [String] = []) async throws -> (RunSummary, RecordingBackend) {
        let (runner, backend) = fixture.runner(script)
        let summary = try #require(await fixture.collect(runner.start(task: task, workspace: fixture.workspace.url, policy: .default)).summary)
        return (summary, backend)
    }

    func firstUserMessage(_ backend: RecordingBackend) -> String {
        guard case .chat(let messages)? = backend.requests.first?.prompt else { return "" }
        return messages.first { $0.role == .user }?.content ?? ""
    }

    @Test("bare names with digits, joined words, capitals or after 'folder'/'called' are parameters")
    func bareNamesAreParameters() {
        let (signature, parameters) = TaskSignature.analyze("List the files in the folder invoices, then box1, Q3-report and README, into a file called flag")
        #expect(signature == "list the files in the folder <name> then <name> <name> and <name> into a file called <name>")
        #expect(parameters.map(\.value) == ["invoices", "box1", "Q3-report", "README", "flag"])
        #expect(parameters.allSatisfy { $0.kind == .name })
        #expect(TaskSignature.of("What is the first word of intro2?") == TaskSignature.of("What is the first word of draft9?"))
        #expect(TaskSignature.of("Tell me what is in it") == "tell me what is in it")
    }

    @Test("box1 … box4 and crates: each follower lists its own folder and answers its own count, never box1's")
    func boxSequence() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try folder(fixture, "box1", files: 3)
        let (learned, _) = try await run(fixture, String(format: Self.boxTask, "box1"), [
            call("filesystem_list", #"{"path": "box1"}"#), "There are 3 files in box1.",
        ])
        #expect(learned.mode == .learner && learned.outcome == .success)
        for (name, count) in [("box2", 5), ("box3", 1), ("box4", 7), ("crates", 2)] {
            try folder(fixture, name, files: count)
            let (summary, backend) = try await run(fixture, String(format: Self.boxTask, name))
            #expect(summary.mode == .follower, "\(name): \(summary.reason)")
            #expect(backend.requests.isEmpty)
            #expect(summary.steps.map { $0.arguments["path"]?.stringValue } == [name])
            #expect(summary.answer == "There are \(count) files in \(name).")
            #expect(!summary.answer.contains("box1"))
        }
    }

    @Test("a trace whose call still carries the old folder (another case) is never replayed: the run is MIXED, with the reason")
    func traceCarryingOldLiteralIsRefused() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try folder(fixture, "box1", files: 3)
        try folder(fixture, "box2", files: 5)
        // The task says Box1, the model lists box1: the call cannot be explained by the parameter.
        let (learned, _) = try await run(fixture, "How many files are in the folder Box1?", [
            call("filesystem_list", #"{"path": "box1"}"#), "There are 3 files.",
        ])
        #expect(learned.outcome == .success)
        let (summary, backend) = try await run(fixture, "How many files are in the folder Box2?", [
            call("filesystem_list", #"{"path": "box2"}"#), "There are 5 files.",
        ])
        #expect(summary.mode == .mixed)
        #expect(summary.reason.contains("was not replayed") && summary.reason.contains("'Box1'"))
        #expect(!backend.requests.isEmpty)
        #expect(summary.answer == "There are 5 files.")
    }

    @Test("a module whose code still carries the old task's folder is passed over, with the reason; the run is guided instead")
    func moduleCarryingOldLiteralIsPassedOver() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        try folder(fixture, "box1", files: 3)
        try folder(fixture, "box2", files: 5)
        let (learned, _) = try await run(fixture, "How many files are in the folder Box1?", [
            call("filesystem_list", #"{"path": "box1"}"#), "There are 3 files.",
        ])
        let runtime = ModuleRuntime(database: fixture.database, tools: fixture.tools)
        let crystallizer = Crystallizer(database: fixture.database, lifecycle: ModuleLifecycle(runtime: runtime, ledger: Ledger(database: fixture.database, home: home.url)))
        let made = try await crystallizer.crystallize(runID: learned.id)
        let backend = RecordingBackend(wrapping: ScriptedBackend(name: "script", responses: [call("filesystem_list", #"{"path": "box2"}"#), "There are 5 files."]))
        let runner = AgentRunner(backend: backend, tools: try runtime.tools.adding(try runtime.installedTools()), database: fixture.database)
        let summary = try #require(await fixture.collect(runner.start(task: "How many files are in the folder Box2?", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.mode == .mixed)
        #expect(summary.reason.contains("module \(made.module) was passed over"))
        #expect(summary.answer == "There are 5 files.")
    }

    @Test("a bare file name: guidance shows the new name and no old observation; a copied old name is sent back before it runs")
    func bareFileName() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try file(fixture, "intro2", "Welcome to the team\n")
        try file(fixture, "letter", "Dear Sir\n")
        try file(fixture, "draft9", "Hello world\n")
        let (learned, _) = try await run(fixture, "What is the first word of intro2?", [
            call("filesystem_read", #"{"path": "intro2"}"#), "The first word of intro2 is Welcome.",
        ])
        #expect(learned.outcome == .success)

        // "letter" binds to intro2 (the run read intro2 whole: a name in use), but the answer's
        // "Welcome" is no value derived from the read, so the program keeps no call that passes
        // intro2: not replayed, only shown as guidance (MIXED) with the new name.
        let (guided, backend) = try await run(fixture, "What is the first word of letter?", [
            call("filesystem_read", #"{"path": "intro2"}"#),     // copied from the example: refused
            call("filesystem_read", #"{"path": "letter"}"#),
            "The first word of letter is Dear.",
        ])
        #expect(guided.mode == .mixed)
        #expect(guided.reason.contains("no call passes it as a value"), "\(guided.reason)")
        let prompt = firstUserMessage(backend)
        #expect(prompt.contains(#"filesystem_read {"path":"letter"}"#))
        #expect(!prompt.contains("intro2") && !prompt.contains("Welcome"))
        #expect(guided.steps.first?.status == "error")
        let results = try RunStore(database: fixture.database).steps(runID: guided.id).compactMap(\.result)
        #expect(results.first?.hasPrefix("Not run: 'intro2'") == true)
        #expect(guided.answer == "The first word of letter is Dear.")

        // draft9 has intro2's shape, and the same reason keeps it from being replayed: it would
        // state "Welcome" without reading draft9.
        let (next, _) = try await run(fixture, "What is the first word of draft9?", ["The first word of draft9 is Hello."])
        #expect(next.mode != .follower && next.mode != .crystallized)
        #expect(next.reason.contains("no call passes it as a value"), "\(next.reason)")
        #expect(!next.answer.contains("Welcome"))
    }

    @Test("two parameters (quoted word, bare file name): the follower writes the new word into the new file")
    func twoParameters() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (learned, _) = try await run(fixture, "Write the word 'delta' into a new file called flag.", [
            call("filesystem_write", #"{"path": "flag", "content": "delta\n"}"#), "Wrote delta into flag.",
        ])
        #expect(learned.outcome == .success)
        let (summary, backend) = try await run(fixture, "Write the word 'foxtrot' into a new file called result.")
        #expect(summary.mode == .follower, "\(summary.reason)")
        #expect(backend.requests.isEmpty)
        #expect(text(fixture, "result") == "foxtrot\n")
        #expect(text(fixture, "flag") == "delta\n")
        #expect(summary.answer == "Wrote foxtrot into result.")
    }

    @Test("unquoted words: a guided write into the old task's file is sent back before it runs; the new file is written")
    func guidedWriteIntoOldFileIsRefused() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        // The old run wrote the word inside a longer text: no call passed it whole, so it is not a
        // name in use (NamesInUseTests), and the new task is only guided.
        _ = try await run(fixture, "Write the word delta into a new file called flag.", [
            call("filesystem_write", #"{"path": "flag", "content": "word: delta\n"}"#), "Wrote delta into flag.",
        ])
        let (summary, backend) = try await run(fixture, "Write the word foxtrot into a new file called result.", [
            call("filesystem_write", #"{"path": "flag", "content": "foxtrot\n"}"#),
            call("filesystem_write", #"{"path": "result", "content": "foxtrot\n"}"#),
            "Wrote foxtrot into result.",
        ])
        #expect(summary.mode == .mixed)
        #expect(firstUserMessage(backend).contains(#""path":"result""#))
        #expect(text(fixture, "flag") == "word: delta\n")
        #expect(text(fixture, "result") == "foxtrot\n")
        #expect(summary.outcome == .success)
    }

    @Test("reordered words are another shape: never replayed by position, the parameters are not swapped")
    func reorderedWords() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        _ = try await run(fixture, "Write the word 'delta' into a new file called flag.", [
            call("filesystem_write", #"{"path": "flag", "content": "delta\n"}"#), "Wrote delta into flag.",
        ])
        let (summary, _) = try await run(fixture, "Into a new file called result write the word 'foxtrot'.", [
            call("filesystem_write", #"{"path": "result", "content": "foxtrot\n"}"#), "Wrote foxtrot into result.",
        ])
        #expect(summary.mode == .mixed)
        #expect(summary.reason.contains("was not replayed"))
        #expect(text(fixture, "flag") == "delta\n")
        #expect(text(fixture, "result") == "foxtrot\n")
    }

    @Test("the old task's changed values are stale literals, found as whole words in any case")
    func staleLiterals() throws {
        let check = TaskBinding(old: "Say hello to box1", new: "Say hello to box2")
        #expect(check.isTotal)
        #expect(check.changedParameters == [0])
        #expect(check.staleLiterals.contains("box1"))
        #expect(check.staleLiteral(in: "./box1/a.txt") == "box1")
        #expect(check.staleLiteral(in: "box12") == nil)
    }
}
