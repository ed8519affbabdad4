import Foundation
import NexusAgent
import NexusCore
import NexusInference
import NexusTesting
import NexusTools
import Testing

/// What the loop does for a small model: offers it few tools, sends back an answer that comes
/// before the task is done, and draws again a turn that only repeats a failed call.
@Suite("The agent loop's guards for small models")
struct AgentGuardTests {
    @Test("a question is offered only tools that find things out; a task's words choose the rest")
    func toolsFollowTheTask() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (asker, asked) = fixture.runner([call("filesystem_list", "{}"), "3 files."])
        _ = try await fixture.collect(asker.start(task: "How many files are there?", workspace: fixture.workspace.url, policy: .default))
        #expect(asked.requests[0].tools.map(\.name) == ["filesystem_list", "filesystem_read"])

        let (writer, wrote) = fixture.runner([call("filesystem_write", #"{"path": "new.txt", "content": "hi"}"#), "Wrote new.txt."])
        _ = try await fixture.collect(writer.start(task: "Write hi into new.txt", workspace: fixture.workspace.url, policy: .default))
        #expect(wrote.requests[0].tools.map(\.name) == ["filesystem_list", "filesystem_read", "filesystem_write"])
    }

    @Test("an answer before the file the task creates exists is sent back once, with a tool call required")
    func missingFileSendsTheAnswerBack() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, backend) = fixture.runner([
            call("filesystem_list", "{}"), "Done.", call("filesystem_write", #"{"path": "new.txt", "content": "hi"}"#), "Created new.txt.",
        ])
        let summary = try #require(try await fixture.collect(runner.start(
            task: "Create a file named new.txt containing hi", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.answer == "Created new.txt.")
        #expect(backend.requests[2].toolChoice == .required)
        guard case .chat(let messages) = backend.requests[2].prompt else { Issue.record("not a chat"); return }
        #expect(messages.last?.content.hasPrefix("Not done yet: 'new.txt' does not exist") == true)
        #expect(try String(contentsOf: fixture.workspace.url.appendingPathComponent("new.txt"), encoding: .utf8) == "hi")
    }

    @Test("a total answered without code is sent back with Python required; then the answer stands")
    func arithmeticNeedsCode() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try Data("4\n5\n".utf8).write(to: fixture.workspace.url.appendingPathComponent("numbers.txt"))
        let tools = try fixture.tools.adding([PythonExecuteTool()])
        let backend = RecordingBackend(wrapping: ScriptedBackend(name: "script", responses: [
            call("filesystem_read", #"{"path": "numbers.txt"}"#), "The total is 8.",
            call("python_execute", #"{"code": "print(sum(int(line) for line in open('numbers.txt')))"}"#), "The total is 9.",
        ]))
        let runner = AgentRunner(backend: backend, tools: tools, database: fixture.database)
        let events = try await fixture.collect(runner.start(task: "What is the total of the numbers in numbers.txt?", workspace: fixture.workspace.url, policy: .default))
        #expect(backend.requests[2].toolChoice == .function("python_execute"))
        #expect(events.results.last?.content.contains("9") == true)
        #expect(events.summary?.answer == "The total is 9.")
    }

    @Test("an answer that repeats a tool's output is sent back once, and the next turn must answer in words")
    func echoedAnswerIsSentBack() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, backend) = fixture.runner([call("filesystem_list", "{}"), "The final answer is: 3 files, 0 folders: a.txt", "There are 3 files."])
        let summary = try #require(try await fixture.collect(runner.start(task: "How many files are there?", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.answer == "There are 3 files.")
        #expect(backend.requests.count == 3)
        #expect(backend.requests[2].toolChoice == ToolChoice.none)
        guard case .chat(let messages) = backend.requests[2].prompt else { Issue.record("not a chat"); return }
        #expect(messages.contains { $0.content == "That repeats a tool's output or an instruction; it does not answer the task." })

        // Once only: the same echo a second time ends the run. (A fresh store each time: HOPE
        // would follow the first run.)
        let second = try AgentFixture()
        defer { second.workspace.remove() }
        let (again, _) = second.runner([call("filesystem_list", "{}"), "3 files, 0 folders:", "3 files, 0 folders:"])
        let echoed = try #require(try await second.collect(again.start(task: "How many files are there?", workspace: second.workspace.url, policy: .default)).summary)
        #expect(echoed.answer == "3 files, 0 folders:")
        // A short result line is what a right answer may say: not an echo.
        var short = AgentConfiguration()
        short.answerChecks = [.echo]
        let (brief, briefed) = second.runner([call("filesystem_read", #"{"path": "a.txt"}"#), "contents of a.txt"], configuration: short)
        #expect(try await second.collect(brief.start(task: "What does a.txt say?", workspace: second.workspace.url, policy: .default)).summary?.answer == "contents of a.txt")
        #expect(briefed.requests.count == 2)
    }

    @Test("a turn that repeats a failed call is drawn again with some randomness before an answer is forced")
    func failedRepeatIsRedrawn() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let missing = call("filesystem_read", #"{"path": "missing.txt"}"#)
        let (runner, backend) = fixture.runner([missing, missing, missing, missing, "There is no missing.txt."])
        let summary = try #require(try await fixture.collect(runner.start(task: "Read missing.txt", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.answer == "There is no missing.txt.")
        #expect(backend.requests.map(\.sampling.temperature) == [0, 0, 0.7, 0.7, 0])
        #expect(backend.requests[4].toolChoice == ToolChoice.none)
        // A turn drawn again is told the call is its own to fix, once per redraw.
        let told = { (request: GenerationRequest) -> Int in
            guard case .chat(let messages) = request.prompt else { return -1 }
            return messages.filter { $0.role == .user && $0.content.hasPrefix("That exact call already failed") }.count
        }
        #expect(backend.requests.map(told) == [0, 0, 1, 2, 2])
    }

    @Test("an answer that repeats what the loop told the model is sent back, as an echo of a tool's output is")
    func echoedInstructionIsSentBack() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let missing = call("filesystem_read", #"{"path": "missing.txt"}"#)
        let (runner, backend) = fixture.runner([missing, missing, "That exact call already failed, and would fail the same way again. Change it to fix the error its result shows (for Python, the line the traceback names), or take another way.", "There is no missing.txt."])
        let summary = try #require(try await fixture.collect(runner.start(task: "Read missing.txt", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.answer == "There is no missing.txt.")
        guard case .chat(let messages) = backend.requests.last?.prompt else { Issue.record("not a chat"); return }
        #expect(messages.contains { $0.content == "That repeats a tool's output or an instruction; it does not answer the task." })
    }
}
