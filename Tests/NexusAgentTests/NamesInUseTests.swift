import Foundation
import NexusAgent
import NexusCore
import NexusInference
import NexusStore
import NexusTesting
import NexusTools
import Testing

/// Plain words become parameters when the proven run passed them to its tools whole: "Rename
/// sketch to design." follows "Rename scratch to keepers.", and nothing else is bound that way.
@Suite("HOPE: names in use")
struct NamesInUseTests {
    func arguments(_ json: String) throws -> JSONValue { try JSONValue.parse(json) }

    @Test("plain words a call passed whole (argument, path part, a file function's literal in code) bind to the new task's")
    func bindsWordsUsedAsValues() throws {
        let move = try arguments(#"{"source": "scratch", "destination": "keepers"}"#)
        let names = try #require(NamesInUse.binding(old: "Rename scratch to keepers.", new: "Rename sketch to design.", arguments: { [move] }))
        #expect(names.old == ["scratch", "keepers"] && names.new == ["sketch", "design"])
        let binding = TaskBinding(old: "Rename scratch to keepers.", new: "Rename sketch to design.", names: names)
        #expect(binding.isTotal && binding.changedParameters == [0, 1])

        let code = try arguments(#"{"code": "import os\nos.rename('scratch', 'keepers')\nprint('done')\n"}"#)
        #expect(NamesInUse.binding(old: "Rename scratch to keepers.", new: "Rename sketch to design.", arguments: { [code] }) != nil)
        let write = try arguments(#"{"code": "with open('flag', 'w') as f:\n    f.write('delta\\n')\n"}"#)
        #expect(NamesInUse.binding(old: "Write the word delta into a new file called flag.",
                                   new: "Write the word foxtrot into a new file called result.", arguments: { [write] }) != nil)
        let listing = try arguments(#"{"path": "recipes/old"}"#)
        #expect(NamesInUse.binding(old: "List recipes", new: "List invoices", arguments: { [listing] }) != nil)
    }

    @Test("in code, a literal is a value when passed whole to a function other than print, or assigned")
    func literalsPassedWhole() {
        let code = """
            import os
            def count_files(folder):
                return len(os.listdir(folder))
            target = 'box1'
            print(count_files("crates"), 'files')
            print(f"There are {n} files in shelf4")
            if name == 'draft9' or name != "old": pass
            open('notes' + suffix)
            os.rename('scratch', "keepers")
            """
        #expect(NamesInUse.passedLiterals(in: code) == ["box1", "crates", "scratch", "keepers"])
    }

    @Test("no binding: a word only printed or part of code, a word the calls never passed, reordered or added words, a non-name")
    func refusesEverythingElse() throws {
        let count = try arguments(#"{"code": "n = len(open('notes').readlines())\nprint(n, 'lines')\n"}"#)
        #expect(NamesInUse.binding(old: "Count the lines of notes", new: "Count the words of notes", arguments: { [count] }) == nil)
        let move = try arguments(#"{"source": "scratch", "destination": "keepers"}"#)
        #expect(NamesInUse.binding(old: "Rename scratch to keepers.", new: "Move scratch to keepers.", arguments: { [move] }) == nil)
        #expect(NamesInUse.binding(old: "Rename scratch to keepers.", new: "Rename keepers to scratch now.", arguments: { [move] }) == nil)
        #expect(NamesInUse.binding(old: "Rename scratch to keepers.", new: "Rename the sketch to design.", arguments: { [move] }) == nil)
        #expect(NamesInUse.binding(old: "Rename scratch to keepers.", new: "Rename all to design.", arguments: { [move] }) == nil)
        #expect(NamesInUse.binding(old: "Rename scratch to keepers.", new: "Rename scratch to keepers.", arguments: { [move] }) == nil)
        // A word inside a longer value is not that value.
        let write = try arguments(#"{"path": "flag", "content": "Word: delta\n"}"#)
        #expect(NamesInUse.binding(old: "Write the word delta into a new file called flag.",
                                   new: "Write the word foxtrot into a new file called result.", arguments: { [write] }) == nil)
    }

    @Test("a follower by names in use renames the new task's file, never the old one's (still there as a decoy)")
    func followerRenamesItsOwnFile() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let root = fixture.workspace.url
        try Data("walnut\n".utf8).write(to: root.appendingPathComponent("scratch"))
        let (learned, _) = try await run(fixture, "Rename scratch to keepers.", [
            call("filesystem_move", #"{"source": "scratch", "destination": "keepers"}"#), "Renamed scratch to keepers.",
        ])
        #expect(learned.mode == .learner && learned.outcome == .success)
        for (source, target) in [("sketch", "design"), ("outline", "chapter")] {
            try Data("\(source)\n".utf8).write(to: root.appendingPathComponent(source))
            try Data("decoy\n".utf8).write(to: root.appendingPathComponent("scratch"))
            let (summary, backend) = try await run(fixture, "Rename \(source) to \(target).")
            #expect(summary.mode == .follower, "\(summary.reason)")
            #expect(backend.requests.isEmpty)
            #expect(summary.answer == "Renamed \(source) to \(target).")
            #expect(try String(contentsOf: root.appendingPathComponent(target), encoding: .utf8) == "\(source)\n")
            #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent(source).path))
            #expect(try String(contentsOf: root.appendingPathComponent("scratch"), encoding: .utf8) == "decoy\n")
        }
    }

    @Test("a word the proven run did not pass stays wording: the run is not replayed")
    func wordingIsNotBound() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let root = fixture.workspace.url
        try Data("one\ntwo\n".utf8).write(to: root.appendingPathComponent("notes"))
        _ = try await run(fixture, "Show me the contents of notes please.", [
            call("filesystem_read", #"{"path": "notes"}"#), "notes holds: one, two.",
        ])
        let (summary, _) = try await run(fixture, "Show me the contents of notes now.", [
            call("filesystem_read", #"{"path": "notes"}"#), "notes holds: one, two.",
        ])
        #expect(summary.mode != .follower, "\(summary.reason)")
    }

    @Test("a program's own output is not held against its code: the program is replayed for box2 and for crates")
    func programOutputIsNotAnEarlierObservation() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let root = fixture.workspace.url
        for (folder, count) in [("box1", 3), ("box2", 5), ("crates", 2)] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            for index in 0..<count { try Data("\(index)\n".utf8).write(to: root.appendingPathComponent("\(folder)/f\(index)")) }
        }
        let program = "```python\nimport os\nprint('There are', len(os.listdir('box1')), 'files')\n```"
        let (learned, _) = try await run(fixture, "How many files are in box1?", [program, "There are 3 files in box1."], programs: true)
        #expect(learned.outcome == .success && learned.steps.map(\.tool) == ["python_execute"])
        for (folder, count) in [("box2", 5), ("crates", 2)] {
            let (summary, backend) = try await run(fixture, "How many files are in \(folder)?", programs: true)
            #expect(summary.mode == .follower, "\(summary.reason)")
            #expect(backend.requests.isEmpty)
            #expect(summary.answer == "There are \(count) files in \(folder).")
        }
    }

    @Test("a program that names its folder only in words (it counted the workspace) is never replayed for another folder")
    func folderNamedOnlyInWordsIsNotReplayed() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let root = fixture.workspace.url
        for (folder, count) in [("box3", 2), ("box8", 7)] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            for index in 0..<count { try Data("\(index)\n".utf8).write(to: root.appendingPathComponent("\(folder)/f\(index)")) }
        }
        try FileManager.default.removeItem(at: root.appendingPathComponent("notes.md"))
        // The workspace holds a.txt, b.txt and two folders: 4 entries. Right for a folder of 4 by chance only.
        try FileManager.default.removeItem(at: root.appendingPathComponent("box3"))
        try FileManager.default.createDirectory(at: root.appendingPathComponent("box3"), withIntermediateDirectories: true)
        for index in 0..<4 { try Data("\(index)\n".utf8).write(to: root.appendingPathComponent("box3/f\(index)")) }
        let program = "```python\nimport os\ndef count_files_in_box3():\n    n = len(os.listdir(os.getcwd()))\n    print(f\"There are {n} files in box3.\")\ncount_files_in_box3()\n```"
        let (learned, _) = try await run(fixture, "How many files are in box3?", [program, "There are 4 files in box3."], programs: true)
        #expect(learned.outcome == .success)
        let (summary, _) = try await run(fixture, "How many files are in box8?", [
            call("filesystem_list", #"{"path": "box8"}"#), "There are 7 files in box8.", "There are 7 files in box8.",
        ], programs: true)
        #expect(summary.mode != .follower && summary.mode != .crystallized)
        #expect(summary.reason.contains("no call passes it as a value"), "\(summary.reason)")
        #expect(summary.answer == "There are 7 files in box8.")
    }

    @Test("a guided (MIXED) run is asked for a program first, as a learner is, and its program does the task")
    func guidedRunWritesAProgram() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let learnedProgram = "```python\nimport os\nos.makedirs('photos/')\nprint('Photos folder created.')\n```"
        let (learned, _) = try await run(fixture, "Create a folder called photos/", [learnedProgram, "Created photos/."], programs: true)
        #expect(learned.outcome == .success)
        let program = "```python\nimport os\nos.makedirs('invoices/')\nprint('Invoices folder created.')\n```"
        let (guided, backend) = try await run(fixture, "Create a folder called invoices/", [program, "Created invoices/."], programs: true)
        #expect(guided.mode == .mixed, "\(guided.reason)")
        let first = backend.requests.first.map { request -> String in
            if case .chat(let messages) = request.prompt { return messages.last?.content ?? "" }
            return ""
        } ?? ""
        #expect(first.hasPrefix("Write one Python 3 program"), "\(first)")
        #expect(backend.requests.first?.tools.isEmpty == true)
        #expect(guided.outcome == .success && guided.steps.map(\.tool) == ["python_execute"])
        #expect(FileManager.default.fileExists(atPath: fixture.workspace.url.appendingPathComponent("invoices").path))
    }

    @Test("a program's comments are no values: only its code is held to what earlier results showed")
    func commentsAreNotValues() {
        let code = "x = 1  # Call the function\nprint('a # b')\n# all done"
        #expect(NamesInUse.withoutComments(code, tool: "python_execute") == "x = 1  \nprint('a # b')\n")
        #expect(NamesInUse.withoutComments("a # b", tool: "filesystem_write") == "a # b")
    }

    @Test("a way whose replays keep failing gives way to the run that did the task after it failed")
    func failingWayGivesWay() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        for (name, text) in [("a1", "alpha 12\n"), ("a2", "bravo 34\n"), ("a3", "charlie 5678\n"), ("a4", "delta\n")] {
            try Data(text.utf8).write(to: fixture.workspace.url.appendingPathComponent("\(name).txt"))
        }
        func copy(_ name: String) -> String { call("filesystem_copy", #"{"source": "\#(name).txt", "destination": "\#(name)-backup.txt"}"#) }
        // The answer's "9" is the byte count of a copy receipt: backed for a2 (9 bytes), not for a3.
        let (learned, _) = try await run(fixture, "Copy a1.txt to a1-backup.txt", [copy("a1"), "Copied a1.txt to a1-backup.txt (9 bytes)."])
        #expect(learned.outcome == .success)
        let (second, _) = try await run(fixture, "Copy a2.txt to a2-backup.txt")
        #expect(second.mode == .follower, "\(second.reason)")
        let (third, _) = try await run(fixture, "Copy a3.txt to a3-backup.txt", ["Copied a3.txt to a3-backup.txt."])
        #expect(third.mode == .learner && third.outcome == .success, "\(third.reason)")
        let (fourth, backend) = try await run(fixture, "Copy a4.txt to a4-backup.txt")
        #expect(fourth.mode == .follower, "\(fourth.reason)")
        #expect(fourth.reason.contains(third.id), "\(fourth.reason)")
        #expect(backend.requests.isEmpty)
        #expect(fourth.answer == "Copied a4.txt to a4-backup.txt.")
    }

    @Test("a program's result counts by what it printed: its 'exit code 0' and 'stdout:' lines explain no count")
    func programResultHeaderIsNoValue() {
        let result = "exit code 0\nstdout:\n5"
        #expect(Derivation.lineCount.apply(to: result) == "1")
        #expect(Derivation.firstNumber.apply(to: result) == "5")
        #expect(Derivation.trimmed.apply(to: result) == "5")
        let grounding = AnswerGrounding(task: "How many files are in box2?", results: [result])
        #expect(grounding.ungrounded("There are 3 files in box2.") == ["3"])
        #expect(grounding.ungrounded("There are 5 files in box2.").isEmpty)
    }

    func run(_ fixture: AgentFixture, _ task: String, _ script: [String] = [], programs: Bool = false) async throws -> (RunSummary, RecordingBackend) {
        let backend = RecordingBackend(wrapping: ScriptedBackend(name: "script", responses: script))
        let tools = try ToolRegistry([FilesystemListTool(), FilesystemReadTool(), FilesystemWriteTool(), FilesystemMoveTool(), FilesystemCopyTool(), PythonExecuteTool()])
        var agent = AgentConfiguration()
        agent.writesProgramFirst = programs
        let runner = AgentRunner(backend: backend, tools: tools, database: fixture.database, configuration: agent)
        let summary = try #require(await fixture.collect(runner.start(task: task, workspace: fixture.workspace.url, policy: .default)).summary)
        return (summary, backend)
    }
}
