import Foundation
import NexusAgent
import NexusCore
import NexusInference
import NexusStore
import NexusTesting
import NexusTools
import Testing

/// A run that writes its program first: the model's first turn is asked for one Python program
/// in a fenced block, which runs as a `python_execute` step.
@Suite("Writing the program first")
struct ProgramTurnTests {
    func runner(_ fixture: AgentFixture, _ responses: [String], programs: Int = 3, looksAhead: Bool = false) throws -> (AgentRunner, RecordingBackend) {
        var agent = AgentConfiguration()
        agent.writesProgramFirst = true
        agent.looksAhead = looksAhead
        agent.maxPrograms = programs
        let tools = try ToolRegistry([FilesystemListTool(), FilesystemReadTool(), FilesystemWriteTool(), PythonExecuteTool(),
                                      MemoryStoreTool(database: fixture.database)])
        let backend = RecordingBackend(wrapping: ScriptedBackend(name: "script", responses: responses))
        return (AgentRunner(backend: backend, tools: tools, database: fixture.database, configuration: agent), backend)
    }

    func messages(_ request: GenerationRequest) -> [ChatMessage] {
        if case .chat(let messages) = request.prompt { return messages }
        return []
    }

    @Test("the program in the reply runs as a step, and the next turn answers from its output")
    func programRunsThenAnswers() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, backend) = try runner(fixture, [
            "Here it is:\n```python\nwith open('a.txt') as f:\n    print(len(f.read().split()))\n```",
            "a.txt holds 3 words.",
        ])
        let summary = try #require(try await fixture.collect(runner.start(
            task: "How many words are in a.txt?", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.status == .completed)
        #expect(summary.steps.map(\.tool) == ["python_execute"])
        #expect(summary.steps.first?.arguments["code"]?.stringValue == "with open('a.txt') as f:\n    print(len(f.read().split()))\n")
        #expect(summary.steps.first?.status == "ok")
        #expect(summary.answer == "a.txt holds 3 words.")
        // The program is asked for in words, with no tools in view; the answer turn sees its output.
        #expect(backend.requests[0].tools.isEmpty)
        #expect(messages(backend.requests[0]).last?.content.contains("Write one Python 3 program that does this task: How many words") == true)
        #expect(messages(backend.requests[1]).contains { $0.role == .tool && $0.content.contains("stdout:\n3") })
        #expect(backend.requests[1].toolChoice == ToolChoice.none)
    }

    @Test("a failed program is sent back to be fixed, and the fixed one runs")
    func failedProgramIsFixed() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, backend) = try runner(fixture, [
            "```python\nprint(open('nope.txt').read())\n```",
            "```python\nprint(open('b.txt').read().strip())\n```",
            "b.txt says: contents of b.txt",
        ])
        let summary = try #require(try await fixture.collect(runner.start(
            task: "What does b.txt say?", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.steps.map(\.status) == ["error", "ok"])
        // The fix is asked for afresh: the task, the error in words, and not the failed program,
        // which a small model in view of it writes again word for word.
        let fix = messages(backend.requests[1])
        #expect(fix.last?.content.hasPrefix(ProgramTurn.ask("What does b.txt say?")) == true)
        #expect(fix.last?.content.contains("FileNotFoundError") == true, "\(fix.last?.content ?? "")")
        #expect(fix.last?.content.contains("File \"") == false, "no traceback frame: \(fix.last?.content ?? "")")
        #expect(!fix.contains { $0.content.contains("open('nope.txt')") })
        #expect(summary.answer == "b.txt says: contents of b.txt")
    }

    @Test("a CSV file read before the program turn is described: its header line is named as column names, not data")
    func csvHeaderIsNamed() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try "student,score\nAda,72\nBen,88\n".write(to: fixture.workspace.url.appendingPathComponent("grades.csv"), atomically: true, encoding: .utf8)
        try "3,4\n5,6\n".write(to: fixture.workspace.url.appendingPathComponent("pairs.csv"), atomically: true, encoding: .utf8)
        let (runner, backend) = try runner(fixture, [
            "```python\nimport csv\nrows = list(csv.DictReader(open('grades.csv')))\nprint(sum(float(r['score']) for r in rows) / len(rows))\n```",
            "The average score is 80.",
        ], looksAhead: true)
        let summary = try #require(try await fixture.collect(runner.start(
            task: "What's the average score in grades.csv? And the first number in pairs.csv?", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.steps.contains { $0.tool == "python_execute" && $0.status == "ok" })
        let ask = messages(backend.requests[0]).last?.content ?? ""
        #expect(ask.contains("grades.csv is CSV. Its first line is a header of column names, not data: student,score."), "\(ask)")
        #expect(ask.contains("pairs.csv is CSV without a header line."), "\(ask)")
    }

    @Test("a program that exits cleanly but changes nothing, for a task that asks for a change, is sent back")
    func programThatChangesNothing() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, backend) = try runner(fixture, [
            "```python\nprint('fixed')\n```",
            "```python\nopen('a.txt', 'w').write('fixed\\n')\nprint('fixed')\n```",
            "a.txt is fixed.",
        ])
        let summary = try #require(try await fixture.collect(runner.start(
            task: "Fix the typo in a.txt", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.steps.map(\.status) == ["ok", "ok"])
        #expect(messages(backend.requests[1]).last?.content.contains("no file or folder in the workspace changed") == true)
        #expect(!messages(backend.requests[1]).contains { $0.role == .assistant && $0.content.contains("print('fixed')") })
        #expect(try String(contentsOf: fixture.workspace.url.appendingPathComponent("a.txt"), encoding: .utf8) == "fixed\n")
        #expect(summary.answer == "a.txt is fixed.")
    }

    @Test("the request names the paths the task asks to create; a program that leaves one missing is sent back to be fixed")
    func pathToCreateIsNamed() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, backend) = try runner(fixture, [
            "```python\nopen('hello.txt', 'w').write('hi')\nprint('hi')\n```",
            "```python\nopen('hello.py', 'w').write(\"print('hi')\\n\")\n```",
            "hello.py prints hi.",
        ])
        let summary = try #require(try await fixture.collect(runner.start(
            task: "Write a Python script hello.py that prints hi", workspace: fixture.workspace.url, policy: .default)).summary)
        let ask = messages(backend.requests[0]).last?.content ?? ""
        #expect(ask.contains("The program must create 'hello.py' (it does not exist yet), with exactly that name."), "\(ask)")
        #expect(ask.contains("A script the task asks for is a file"), "\(ask)")
        let fix = messages(backend.requests[1]).last?.content ?? ""
        #expect(fix.contains("The program ran, but 'hello.py' still does not exist, and the task asks for it."), "\(fix)")
        #expect(summary.steps.map(\.status) == ["ok", "ok"])
        #expect(try String(contentsOf: fixture.workspace.url.appendingPathComponent("hello.py"), encoding: .utf8) == "print('hi')\n")
        #expect(summary.answer == "hello.py prints hi.")
    }

    @Test("a bare name the task saves its result to is a path to create, named in the program request")
    func destinationNameIsNamed() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try "bob\nann\n".write(to: fixture.workspace.url.appendingPathComponent("guests"), atomically: true, encoding: .utf8)
        let (runner, backend) = try runner(fixture, [
            "```python\nopen('guests_sorted', 'w').write(''.join(sorted(open('guests').readlines())))\n```",
            "Saved the sorted names to guests_sorted.",
        ])
        _ = try await fixture.collect(runner.start(
            task: "Sort the names in guests alphabetically and save them to guests_sorted.", workspace: fixture.workspace.url, policy: .default))
        let ask = messages(backend.requests[0]).last?.content ?? ""
        #expect(ask.contains("The program must create 'guests_sorted' (it does not exist yet), with exactly that name."), "\(ask)")
        // The source, named before the creating word, and a word that names nothing are not.
        #expect(!ask.contains("create 'guests'"), "\(ask)")
        #expect(try String(contentsOf: fixture.workspace.url.appendingPathComponent("guests_sorted"), encoding: .utf8) == "ann\nbob\n")
    }

    @Test("a program that opened a file that does not exist is told the name the workspace has for it")
    func nearNameIsTold() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try "bob\nann\n".write(to: fixture.workspace.url.appendingPathComponent("guests"), atomically: true, encoding: .utf8)
        let (runner, backend) = try runner(fixture, [
            "```python\nprint(len(open('guests.txt').readlines()))\n```",
            "```python\nprint(len(open('guests').readlines()))\n```",
            "guests has 2 lines.",
        ])
        let summary = try #require(try await fixture.collect(runner.start(
            task: "How many lines does guests have?", workspace: fixture.workspace.url, policy: .default)).summary)
        let fix = messages(backend.requests[1]).last?.content ?? ""
        #expect(fix.contains("No such file or directory: 'guests.txt'"), "\(fix)")
        #expect(fix.contains("The file the program opened does not exist: 'guests.txt'. The workspace has 'guests'; use exactly that name."), "\(fix)")
        #expect(summary.answer == "guests has 2 lines.")
    }

    @Test("after the last failed program, or a reply without one, the run goes on with tool calls")
    func toolsAfterPrograms() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, backend) = try runner(fixture, [
            "```python\n1 / 0\n```", "```python\n2 / 0\n```", "```python\n3 / 0\n```",
            call("filesystem_read", #"{"path": "a.txt"}"#),
            "a.txt says: contents of a.txt",
        ])
        let summary = try #require(try await fixture.collect(runner.start(
            task: "What does a.txt say?", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.steps.map(\.tool) == ["python_execute", "python_execute", "python_execute", "filesystem_read"])
        #expect(backend.requests[2].tools.isEmpty)
        #expect(!backend.requests[3].tools.isEmpty)
        #expect(summary.answer == "a.txt says: contents of a.txt")

        // A fresh home: in this one, HOPE would follow the run above.
        let fresh = try AgentFixture()
        defer { fresh.workspace.remove() }
        let (declining, asked) = try self.runner(fresh, [
            "I would read the file.", call("filesystem_read", #"{"path": "b.txt"}"#), "b.txt says: contents of b.txt",
        ])
        let declined = try #require(try await fresh.collect(declining.start(
            task: "What does b.txt say?", workspace: fresh.workspace.url, policy: .default)).summary)
        #expect(declined.steps.map(\.tool) == ["filesystem_read"])
        #expect(asked.requests[1].toolChoice == .required)
        #expect(declined.answer == "b.txt says: contents of b.txt")
    }

    @Test("with no programs left, a program written on a tool turn is not run: a model that only writes failing programs stops")
    func noProgramsLeft() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, backend) = try runner(fixture, ["```python\n1 / 0\n```"] + Array(repeating: "```python\n2 / 0\n```", count: 6), programs: 1)
        let summary = try #require(try await fixture.collect(runner.start(
            task: "What does a.txt say?", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(!backend.requests[1].tools.isEmpty)
        #expect(summary.steps.map(\.status) == ["error"])
        #expect(summary.status == .completed)
    }

    @Test("a task that points to a tool no program can reach (memory here) is left to tool calls")
    func taskForAnotherTool() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, backend) = try runner(fixture, [call("memory_store", #"{"content": "the meeting is at 5"}"#), "Remembered."])
        let summary = try #require(try await fixture.collect(runner.start(
            task: "Remember in your memory that the meeting is at 5", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.steps.map(\.tool) == ["memory_store"])
        #expect(backend.requests[0].tools.contains { $0.name == "memory_store" })
    }

    @Test("a later python_execute call uses what the run's program defined, as a notebook's next cell does")
    func laterCodeUsesEarlierDefinitions() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, _) = try runner(fixture, [
            // The program fails after defining its function; the model then calls the function alone.
            "```python\ndef words(path):\n    return len(open(path).read().split())\nprint(words('nope.txt'))\n```",
            #"<tool_call>{"name": "python_execute", "arguments": {"code": "print(words('a.txt') * 2)"}}</tool_call>"#,
            "Twice the words of a.txt is 6.",
        ], programs: 1)
        let summary = try #require(try await fixture.collect(runner.start(
            task: "Compute twice the number of words in a.txt.", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.steps.map(\.tool) == ["python_execute", "python_execute"])
        #expect(summary.steps.map(\.status) == ["error", "ok"])
        let stored = try RunStore(database: fixture.database).steps(runID: summary.id)
        let later = stored.last { $0.tool == "python_execute" }
        #expect((later?.result ?? later?.resultExcerpt)?.contains("stdout:\n6") == true)
    }

    @Test("the program runs under the run's policy like any call")
    func programUnderPolicy() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        // A policy without python3 offers no program turn at all.
        let (reader, backend) = try runner(fixture, [call("filesystem_read", #"{"path": "a.txt"}"#), "It says: contents of a.txt"])
        let noPython = CapabilityPolicy(commands: ["ls"])
        let summary = try #require(try await fixture.collect(reader.start(
            task: "What does a.txt say?", workspace: fixture.workspace.url, policy: noPython)).summary)
        #expect(summary.steps.map(\.tool) == ["filesystem_read"])
        #expect(!backend.requests[0].tools.isEmpty)
        // A program that writes outside the workspace is stopped by the sandbox.
        let (writer, _) = try self.runner(fixture, ["```python\nopen('/etc/nexus-program-test', 'w').write('x')\n```"]
                                          + Array(repeating: "I cannot write outside the workspace.", count: 4), programs: 1)
        let written = try #require(try await fixture.collect(writer.start(
            task: "Write /etc/nexus-program-test", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(written.steps.first?.status == "error")
        #expect(!FileManager.default.fileExists(atPath: "/etc/nexus-program-test"))
    }

    @Test("a program is read from a fenced block, tagged python or not, cut off or whole", arguments: [
        ("```python\nprint(1)\n```\nThis prints 1.", "print(1)\n"),
        ("```\nprint(2)\n```", "print(2)\n"),
        ("Sure:\n```py\nprint(3)", "print(3)"),
    ])
    func programIsRead(reply: String, code: String) {
        #expect(ProgramTurn.program(in: reply) == code)
    }

    @Test func noProgramInAnotherLanguageOrNothing() {
        #expect(ProgramTurn.program(in: "```bash\nls\n```") == nil)
        #expect(ProgramTurn.program(in: "  \n") == nil)
        // Prose is never run as code.
        #expect(ProgramTurn.program(in: "print(4)") == nil)
    }
}
