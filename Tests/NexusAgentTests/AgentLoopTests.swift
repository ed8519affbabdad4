import Foundation
import Synchronization
import NexusAgent
import NexusCore
import NexusInference
import NexusStore
import NexusTesting
import NexusTools
import Testing

/// A workspace with a few files, a database, and the built-in file tools.
struct AgentFixture {
    let workspace: TemporaryDirectory
    let database: NexusDatabase
    let tools: ToolRegistry

    init() throws {
        workspace = try TemporaryDirectory()
        for name in ["a.txt", "b.txt", "notes.md"] {
            try Data("contents of \(name)\n".utf8).write(to: workspace.url.appendingPathComponent(name))
        }
        database = try NexusDatabase.inMemory()
        tools = try ToolRegistry([
            FilesystemListTool(), FilesystemReadTool(), FilesystemWriteTool(),
            MemoryStoreTool(database: database), MemorySearchTool(database: database),
        ])
    }

    func runner(_ responses: [String], configuration: AgentConfiguration = AgentConfiguration()) -> (AgentRunner, RecordingBackend) {
        let backend = RecordingBackend(wrapping: ScriptedBackend(name: "script", responses: responses))
        return (AgentRunner(backend: backend, tools: tools, database: database, configuration: configuration), backend)
    }

    func collect(_ events: AsyncThrowingStream<AgentEvent, any Error>) async throws -> [AgentEvent] {
        var all: [AgentEvent] = []
        for try await event in events { all.append(event) }
        return all
    }
}

func call(_ name: String, _ arguments: String) -> String {
    "<tool_call>\n{\"name\": \"\(name)\", \"arguments\": \(arguments)}\n</tool_call>"
}

extension [AgentEvent] {
    var summary: RunSummary? {
        for event in self { if case .finished(let summary) = event { return summary } }
        return nil
    }
    var results: [ToolResult] {
        compactMap { if case .toolResult(_, _, let result, _) = $0 { return result } else { return nil } }
    }
}

@Suite("The agent loop, driven by a scripted model")
struct AgentLoopTests {
    @Test("a multi-step run lists, reads, writes and answers, and is kept as a trace")
    func multiStep() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, backend) = fixture.runner([
            call("filesystem_list", #"{"path": "."}"#),
            call("filesystem_read", #"{"path": "a.txt"}"#),
            call("filesystem_write", #"{"path": "out/summary.txt", "content": "3 files"}"#),
            "There are 3 files; a.txt says 'contents of a.txt'.",
        ])
        let events = try await fixture.collect(runner.start(task: "Summarise the folder and write the summary to out/summary.txt", workspace: fixture.workspace.url, policy: .default))
        let summary = try #require(events.summary)
        #expect(summary.status == .completed)
        #expect(summary.outcome == .success)
        #expect(summary.steps.map(\.tool) == ["filesystem_list", "filesystem_read", "filesystem_write"])
        #expect(summary.steps.allSatisfy { $0.status == "ok" })
        #expect(events.results[0].content.contains("notes.md"))
        #expect(try String(contentsOf: fixture.workspace.url.appendingPathComponent("out/summary.txt"), encoding: .utf8) == "3 files")
        // The model saw each observation before its next turn.
        #expect(backend.requests.count == 4)
        guard case .chat(let messages) = backend.requests[1].prompt else { Issue.record("not a chat"); return }
        #expect(messages.last?.role == .tool)
        #expect(messages.last?.content.contains("a.txt") == true)
        // The trace is in the store.
        let stored = try #require(try RunStore(database: fixture.database).run(id: summary.id))
        #expect(stored.status == .completed)
        #expect(try RunStore(database: fixture.database).steps(runID: summary.id).count == 4)
    }

    @Test("the first turn must call a tool, later turns may answer")
    func firstTurnRequiresTool() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, backend) = fixture.runner([call("filesystem_list", "{}"), "Done."])
        _ = try await fixture.collect(runner.start(task: "Look around", workspace: fixture.workspace.url, policy: .default))
        #expect(backend.requests.map(\.toolChoice) == [.required, .auto])
    }

    @Test("a tool error goes back to the model, which recovers")
    func toolErrorIsObserved() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, _) = fixture.runner([
            call("filesystem_read", #"{"path": "missing.txt"}"#),
            call("filesystem_read", #"{"path": "a.txt"}"#),
            "a.txt holds 'contents of a.txt'.",
        ])
        let events = try await fixture.collect(runner.start(task: "Read the file", workspace: fixture.workspace.url, policy: .default))
        #expect(events.results.map(\.status) == [.error, .ok])
        #expect(events.summary?.status == .completed)
    }

    @Test("a call outside the policy is refused, recorded, and shown to the model")
    func refusalIsRecorded() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, backend) = fixture.runner([call("filesystem_read", #"{"path": "/etc/shadow"}"#), "I may not read that."])
        let events = try await fixture.collect(runner.start(task: "Read /etc/shadow", workspace: fixture.workspace.url, policy: .default))
        #expect(events.results.map(\.status) == [.refused])
        let summary = try #require(events.summary)
        #expect(try RunStore(database: fixture.database).steps(runID: summary.id).first?.status == "refused")
        guard case .chat(let messages) = backend.requests[1].prompt else { Issue.record("not a chat"); return }
        #expect(messages.last?.content.hasPrefix("REFUSED") == true)
    }

    @Test("an identical repeated call is not run again and the model is told")
    func repeatedCallIsDetected() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, backend) = fixture.runner([
            call("filesystem_list", #"{"path": "."}"#), call("filesystem_list", #"{"path": "."}"#), "3 files.",
        ])
        let events = try await fixture.collect(runner.start(task: "Count files", workspace: fixture.workspace.url, policy: .default))
        #expect(events.results.count == 2)
        #expect(events.results[1].status == .error)
        #expect(events.results[1].content.contains("repeated"))
        // The repeat is not shown to the model; its next turn must answer in prose.
        let summary = try #require(events.summary)
        #expect(summary.steps.map(\.status) == ["ok", "repeated"])
        #expect(backend.requests[2].toolChoice == ToolChoice.none)
        #expect(backend.requests[2].grammar != nil)
        guard case .chat(let messages) = backend.requests[2].prompt else { Issue.record("not a chat"); return }
        // It ends at the one real observation, then asks for the answer in words.
        #expect(messages.dropLast().last?.role == .tool)
        #expect(messages.last?.role == .user)
        #expect(messages.filter { $0.role == .tool }.count == 1)
    }

    @Test("an empty reply is not taken as the answer: the next turn must answer in prose")
    func emptyReplyLeadsToAnswerTurn() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, backend) = fixture.runner([call("filesystem_list", "{}"), "  ", "3 files."])
        let events = try await fixture.collect(runner.start(task: "Count files", workspace: fixture.workspace.url, policy: .default))
        let summary = try #require(events.summary)
        #expect(summary.status == .completed)
        #expect(summary.answer == "3 files.")
        #expect(backend.requests.map(\.toolChoice) == [.required, .auto, ToolChoice.none])
        #expect(try RunStore(database: fixture.database).steps(runID: summary.id).map(\.status) == ["ok", "empty", "answer"])
    }

    @Test("a tool call written out as text (cut off) is not taken as the answer either")
    func callAsTextLeadsToAnswerTurn() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, backend) = fixture.runner([call("filesystem_list", "{}"), #"{"name": "filesystem_read", "arguments": {"path": "a.txt""#, "3 files."])
        let summary = try #require(try await fixture.collect(runner.start(task: "Count files", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.answer == "3 files.")
        #expect(backend.requests.map(\.toolChoice) == [.required, .auto, ToolChoice.none])
    }

    @Test("the reminder that ends each observation is cut from an answer that echoes it")
    func echoedNudgeIsCut() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, _) = fixture.runner([call("filesystem_list", "{}"), "3 files.\n\n(The task was: Count files If this result is enough, reply now.)"])
        let summary = try #require(try await fixture.collect(runner.start(task: "Count files", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.answer == "3 files.")
    }

    @Test("the model is told which observations it already made, not which changes")
    func previousCallsAreObservationsOnly() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, backend) = fixture.runner([
            call("filesystem_list", #"{"path": "."}"#),
            call("filesystem_write", #"{"path": "out.txt", "content": "x"}"#),
            "Wrote out.txt.",
        ])
        _ = try await fixture.collect(runner.start(task: "Write out.txt", workspace: fixture.workspace.url, policy: .default))
        #expect(backend.requests[0].previousCalls.isEmpty)
        let listed = ToolCall(id: "", name: "filesystem_list", arguments: ["path": "."]).signature
        #expect(backend.requests[1].previousCalls == [listed])
        #expect(backend.requests[2].previousCalls == [listed])
    }

    @Test("tools the policy rules out are not offered")
    func unusableToolsAreNotOffered() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, backend) = fixture.runner([call("filesystem_list", "{}"), "done"])
        var readOnly = CapabilityPolicy.default
        readOnly.writablePaths = []
        _ = try await fixture.collect(runner.start(task: "Look, and remember what you see", workspace: fixture.workspace.url, policy: readOnly))
        // Remembering writes to Nexus itself: a read-only policy does not offer it (memory = true would).
        #expect(backend.requests[0].tools.map(\.name) == ["filesystem_list", "filesystem_read", "memory_search"])
    }

    @Test("a file is read before the agent may replace it")
    func readBeforeReplacing() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, _) = fixture.runner([
            call("filesystem_write", #"{"path": "a.txt", "content": "new"}"#),
            call("filesystem_read", #"{"path": "a.txt"}"#),
            call("filesystem_write", #"{"path": "a.txt", "content": "contents of a.txt, revised"}"#),
            "Replaced a.txt.",
        ])
        let events = try await fixture.collect(runner.start(task: "Write a revised a.txt", workspace: fixture.workspace.url, policy: .default))
        #expect(events.results.map(\.status) == [.error, .ok, .ok])
        #expect(events.results[0].content.contains("you have not read it"))
        #expect(try String(contentsOf: fixture.workspace.url.appendingPathComponent("a.txt"), encoding: .utf8) == "contents of a.txt, revised")
    }

    @Test("after restating its calls the model may look further once; the second time it answers")
    func restatedPlans() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        func result(_ name: String, _ arguments: JSONValue, restated: Int) -> GenerationResult {
            var result = GenerationResult(text: "", toolCalls: [ToolCall(id: "c", name: name, arguments: arguments)], finishReason: .toolCalls)
            result.restatedCalls = restated
            return result
        }
        let backend = PresetBackend(results: [
            result("filesystem_list", ["path": "."], restated: 0),
            result("filesystem_read", ["path": "a.txt"], restated: 1),  // list, then read: taken
            result("filesystem_read", ["path": "b.txt"], restated: 2),  // round the plan again: not run
            GenerationResult(text: "a.txt holds 'contents of a.txt'.", finishReason: .stop),
        ])
        let runner = AgentRunner(backend: backend, tools: fixture.tools, database: fixture.database)
        let events = try await fixture.collect(runner.start(task: "What does a.txt say?", workspace: fixture.workspace.url, policy: .default))
        let summary = try #require(events.summary)
        #expect(summary.steps.map(\.status) == ["ok", "ok", "replanned"])
        #expect(summary.answer == "a.txt holds 'contents of a.txt'.")
        #expect(backend.requests.last?.toolChoice == ToolChoice.none)
    }

    @Test("the step budget ends a run that never answers")
    func stepBudget() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, _) = fixture.runner(
            (0..<10).map { call("filesystem_read", "{\"path\": \"file\($0).txt\"}") }, configuration: AgentConfiguration(maxSteps: 3))
        let events = try await fixture.collect(runner.start(task: "Loop", workspace: fixture.workspace.url, policy: .default))
        let summary = try #require(events.summary)
        #expect(summary.status == .budgetExhausted)
        #expect(summary.outcome == .failure)
        #expect(summary.steps.count == 3)
    }

    @Test("a malformed tool call is shown to the model, which can correct it")
    func malformedCall() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, _) = fixture.runner(["<tool_call>{not json</tool_call>", call("filesystem_list", "{}"), "ok"])
        let events = try await fixture.collect(runner.start(task: "List", workspace: fixture.workspace.url, policy: .default))
        #expect(events.summary?.status == .completed)
        #expect(events.results.count == 1)
    }

    @Test("a run cancelled mid-way resumes with nothing lost")
    func resumeAfterCancel() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        // The model answers its first turn, then hangs on the second until the run is cancelled.
        let hanging = HangingBackend(first: call("filesystem_list", "{}"))
        let first = AgentRunner(backend: hanging, tools: fixture.tools, database: fixture.database)
        let observed = AsyncStream<String>.makeStream()
        // Like Ctrl-C in `nexus run`: the consuming task is cancelled once the first result is in.
        let consumer = Task {
            var runID = ""
            for try await event in first.start(task: "Read b", workspace: fixture.workspace.url, policy: .default) {
                if case .started(let id, _, _) = event { runID = id }
                if case .toolResult = event { observed.continuation.yield(runID) }
            }
        }
        var iterator = observed.stream.makeAsyncIterator()
        let runID = try #require(await iterator.next())
        consumer.cancel()
        _ = await consumer.result
        let store = RunStore(database: fixture.database)
        let deadline = ContinuousClock.now + .seconds(30)
        while try store.run(id: runID)?.status == .running, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try store.run(id: runID)?.status == .cancelled)
        let stepsBefore = try store.steps(runID: runID).count
        #expect(stepsBefore >= 1)

        let (second, backend) = fixture.runner([call("filesystem_read", #"{"path": "b.txt"}"#), "b.txt says 'contents of b.txt'."])
        let events = try await fixture.collect(second.resume(runID: runID))
        let summary = try #require(events.summary)
        #expect(summary.id == runID)
        #expect(summary.status == .completed)
        #expect(summary.steps.first?.tool == "filesystem_list")
        // The resumed model saw the earlier observation.
        guard case .chat(let messages) = backend.requests[0].prompt else { Issue.record("not a chat"); return }
        #expect(messages.contains { $0.role == .tool && $0.content.contains("notes.md") })
        await #expect(throws: NexusError.self) { _ = try await fixture.collect(second.resume(runID: runID)) }
    }

    @Test("relevant memories are recalled into the system prompt")
    func memoryRecall() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        _ = try MemoryStore(database: fixture.database).add("The deploy script lives in tools/deploy.sh", source: "user")
        let (runner, backend) = fixture.runner([call("filesystem_list", "{}"), "done"])
        _ = try await fixture.collect(runner.start(task: "Where is the deploy script?", workspace: fixture.workspace.url, policy: .default))
        guard case .chat(let messages) = backend.requests[0].prompt else { Issue.record("not a chat"); return }
        #expect(messages.first?.content.contains("tools/deploy.sh") == true)
    }

    @Test("an empty task is refused")
    func emptyTask() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, _) = fixture.runner([])
        await #expect(throws: NexusError.self) { _ = try await fixture.collect(runner.start(task: "  ", workspace: fixture.workspace.url, policy: .default)) }
    }

    @Test("with parallel calls on, a turn's calls all run in the order written, each its own step")
    func parallelCalls() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        var configuration = AgentConfiguration()
        configuration.parallelCalls = true
        let turn = call("filesystem_read", #"{"path": "a.txt"}"#) + "\n" + call("filesystem_read", #"{"path": "b.txt"}"#)
        let (runner, backend) = fixture.runner([turn, "a.txt holds contents of a.txt and b.txt holds contents of b.txt."], configuration: configuration)
        let events = try await fixture.collect(runner.start(task: "Read a.txt and b.txt", workspace: fixture.workspace.url, policy: .default))
        #expect(backend.requests.first?.parallelToolCalls == true)
        let steps = events.summary?.steps.filter { $0.tool == "filesystem_read" } ?? []
        #expect(steps.map { $0.arguments["path"]?.stringValue } == ["a.txt", "b.txt"])
        #expect(events.results.count == 2)
        #expect(events.summary?.status == .completed)
    }

    @Test("a call cut by the turn's token limit is sent back as cut off, and the shorter call that follows runs")
    func cutOffCall() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let write = ToolCall(id: "call_1", name: "filesystem_write", arguments: ["path": "c.txt", "content": "hello"])
        let backend = PresetBackend(results: [
            GenerationResult(text: "", finishReason: .length),
            GenerationResult(text: "", toolCalls: [write], finishReason: .toolCalls),
            GenerationResult(text: "Wrote c.txt.", finishReason: .stop),
        ])
        let runner = AgentRunner(backend: backend, tools: fixture.tools, database: fixture.database)
        let events = try await fixture.collect(runner.start(task: "Write hello into c.txt", workspace: fixture.workspace.url, policy: .default))
        guard backend.requests.count > 1, case .chat(let messages) = backend.requests[1].prompt else { Issue.record("no second turn"); return }
        #expect(messages.last?.content.contains("cut off") == true)
        #expect(backend.requests[1].toolChoice != ToolChoice.none)
        #expect(events.summary?.status == .completed)
        #expect(FileManager.default.fileExists(atPath: fixture.workspace.url.appendingPathComponent("c.txt").path))
    }
}

/// Returns prepared results in order, recording each request.
final class PresetBackend: InferenceBackend, @unchecked Sendable {
    private let state: Mutex<(results: [GenerationResult], requests: [GenerationRequest])>
    var modelName: String { "preset" }
    var requests: [GenerationRequest] { state.withLock { $0.requests } }

    init(results: [GenerationResult]) {
        state = Mutex((results: results, requests: []))
    }

    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let next = state.withLock { state -> GenerationResult? in
            state.requests.append(request)
            return state.results.isEmpty ? nil : state.results.removeFirst()
        }
        return AsyncThrowingStream { continuation in
            if let next { continuation.yield(.done(next)) }
            continuation.finish()
        }
    }
}

/// Answers the first request with a canned reply, then waits until cancelled.
struct HangingBackend: InferenceBackend {
    let first: String
    let calls = CallCounter()
    var modelName: String { "hanging" }

    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let number = calls.next()
        let reply = first
        return AsyncThrowingStream { continuation in
            let task = Task {
                if number == 0 {
                    let parsed = try ToolCallMarkup.parse(reply)
                    continuation.yield(.done(GenerationResult(text: parsed.content, toolCalls: parsed.toolCalls, finishReason: .toolCalls)))
                    continuation.finish()
                    return
                }
                do {
                    try await Task.sleep(for: .seconds(3600))
                } catch {
                    continuation.finish(throwing: CancellationError())
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

final class CallCounter: Sendable {
    private let count = Mutex(0)
    func next() -> Int { count.withLock { value in defer { value += 1 }; return value } }
}
