import Foundation
import NexusCore
import NexusStore
import Testing

@Suite struct TraceStoreTests {
    let database: NexusDatabase
    let runs: RunStore
    let traces: TraceStore

    init() throws {
        database = try NexusDatabase.inMemory()
        runs = RunStore(database: database)
        traces = TraceStore(database: database)
    }

    @discardableResult
    func finishedRun(_ task: String, tools: [String], failing: Int = 0) throws -> RunRecord {
        let start = Date()
        var run = RunRecord(task: task, model: "smollm2", workspace: "/w", status: .completed, createdAt: start,
                            updatedAt: start.addingTimeInterval(3), promptTokens: 500, completionTokens: 50)
        run.answer = "done"
        var steps = tools.enumerated().map { index, tool in
            RunStep(runID: run.id, index: index, tool: tool, status: index < failing ? "error" : "ok", durationSeconds: 0.5)
        }
        steps.append(RunStep(runID: run.id, index: tools.count, status: "answer"))
        try runs.save(run: run, appending: steps)
        return run
    }

    @Test func recordSummarizesTheRun() throws {
        let run = try finishedRun("Summarize ./src/main.py into 'notes.txt'", tools: ["filesystem_read", "filesystem_write"], failing: 1)
        let trace = try traces.record(runID: run.id)
        #expect(trace.signature == "summarize <path> into <text>")
        #expect(trace.toolSequence == ["filesystem_read", "filesystem_write"])
        #expect(trace.stepCount == 3 && trace.toolCalls == 2 && trace.failedSteps == 1)
        #expect(trace.promptTokens == 500 && trace.completionTokens == 50)
        #expect(trace.toolSeconds == 1.0)
        #expect(abs(trace.wallSeconds - 3) < 0.001)
        #expect(trace.status == .completed && trace.outcome == nil)

        try runs.setOutcome(runID: run.id, outcome: .success, source: OutcomeSource.feedback)
        #expect(try traces.trace(runID: run.id)?.outcome == .success)
        #expect(try traces.record(runID: run.id).outcome == .success)
        #expect(try traces.list().count == 1)
        let missing = #expect(throws: NexusError.self) { try traces.record(runID: "run_missing") }
        #expect(missing?.code == .notFound)
    }

    @Test func similarTasksAndUsage() throws {
        for file in ["a.py", "b.py", "c.py"] {
            let run = try finishedRun("Count the lines of \(file)", tools: ["execute_command"])
            try traces.record(runID: run.id)
            try runs.setOutcome(runID: run.id, outcome: file == "c.py" ? .failure : .success, source: OutcomeSource.check)
        }
        try traces.record(runID: try finishedRun("Fetch the weather in Paris", tools: ["web_fetch"]).id)

        let similar = try traces.similar(to: "count the lines of main.swift", limit: 10)
        #expect(similar.count == 3)
        #expect(similar.allSatisfy { $0.trace.signature == "count the lines of <path>" })
        #expect(try traces.similar(to: "\"*(", limit: 3).isEmpty)

        let usage = try traces.usage(signature: TaskSignature.of("count the lines of d.py"))
        #expect(usage.runs == 3 && usage.completed == 3 && usage.successes == 2 && usage.failures == 1)
        #expect(abs(usage.successRate - 2.0 / 3.0) < 1e-9)
        #expect(usage.averageTokens == 550)
        #expect(try traces.traces(signature: "count the lines of <path>").count == 3)
        #expect(try traces.usage(signature: "never seen").runs == 0)
    }

    @Test func signaturesAbstractParticulars() {
        #expect(TaskSignature.of("Analyze all Python files and write summary.txt") == "analyze all python files and write <path>")
        #expect(TaskSignature.of("Fetch https://example.com/x and keep 10 lines!") == "fetch <url> and keep <number> lines")
        #expect(TaskSignature.of("Rename \"old name\" to `new` in ~/docs") == "rename <text> to <text> in <path>")
        #expect(TaskSignature.of("don't   touch it") == "don't touch it")
        #expect(TaskSignature.of("say \"unclosed") == "say unclosed")
    }
}
