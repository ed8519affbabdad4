import Foundation
import NexusCore
import NexusStore
import Testing

@Suite struct RunStoreTests {
    static func sampleRun(id: String = RunRecord.newID()) -> RunRecord {
        RunRecord(id: id, task: "Analyze all Python files and write summary.txt", model: "qwen2.5-coder:0.5b",
                  workspace: "/tmp/work", policy: ["databases": [], "writablePaths": ["."]],
                  state: ["messages": [["role": "user", "content": "Analyze"]], "step": 0])
    }

    static func step(_ runID: String, _ index: Int, tool: String? = "filesystem_list", status: String = "ok") -> RunStep {
        RunStep(runID: runID, index: index, tool: tool, arguments: tool == nil ? nil : ["path": ".", "recursive": true],
                status: status, resultDigest: String(repeating: "ab", count: 32), resultExcerpt: "a.py\nb.py",
                durationSeconds: 0.25, promptTokens: 100, completionTokens: 20)
    }

    @Test func runAndStepsSurviveACrash() throws {
        try withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("nexus.db")
            let database = try NexusDatabase.open(at: url)
            let store = RunStore(database: database)
            var run = Self.sampleRun()
            try store.create(run)
            run.state = ["messages": [["role": "user", "content": "Analyze"], ["role": "assistant", "content": ""]], "step": 2]
            run.promptTokens = 200
            run.completionTokens = 40
            run.updatedAt = Date()
            try store.save(run: run, appending: [Self.step(run.id, 0), Self.step(run.id, 1, tool: "filesystem_read")])

            // The process dies here: copy the files as they are on disk, with `database` still open.
            let crashed = folder.appendingPathComponent("after-crash", isDirectory: true)
            try FileManager.default.createDirectory(at: crashed, withIntermediateDirectories: true)
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: url.path + suffix) {
                try FileManager.default.copyItem(atPath: url.path + suffix, toPath: crashed.path + "/nexus.db" + suffix)
            }
            let reopened = RunStore(database: try NexusDatabase.open(at: crashed.appendingPathComponent("nexus.db")))
            let loaded = try #require(try reopened.run(id: run.id))
            #expect(loaded.state == run.state)
            #expect(loaded.state["step"] == 2)
            #expect(loaded.policy == run.policy)
            #expect(loaded.task == run.task && loaded.status == .running && loaded.promptTokens == 200 && loaded.completionTokens == 40)
            #expect(abs(loaded.updatedAt.timeIntervalSince(run.updatedAt)) < 0.001)
            let steps = try reopened.steps(runID: run.id)
            #expect(steps.map(\.index) == [0, 1])
            #expect(steps.map(\.tool) == ["filesystem_list", "filesystem_read"])
            #expect(steps[0].arguments == ["path": ".", "recursive": true])
            #expect(steps[0].resultExcerpt == "a.py\nb.py" && steps[0].durationSeconds == 0.25)
            #expect(try reopened.unfinished().map(\.id) == [run.id])
        }
    }

    @Test func saveIsAllOrNothing() throws {
        let store = RunStore(database: try NexusDatabase.inMemory())
        let run = Self.sampleRun()
        let error = #expect(throws: NexusError.self) {
            try store.save(run: run, appending: [Self.step(run.id, 0), Self.step("run_other", 1)])
        }
        #expect(error?.code == .invalidArgument)
        #expect(try store.run(id: run.id) == nil)
        #expect(try store.steps(runID: run.id).isEmpty)
    }

    @Test func toolCallsOfOneTurnAreAllKeptInOrder() throws {
        let store = RunStore(database: try NexusDatabase.inMemory())
        var run = Self.sampleRun()
        try store.save(run: run, appending: [Self.step(run.id, 1, tool: "filesystem_list"), Self.step(run.id, 1, tool: "filesystem_read")])
        try store.save(run: run, appending: [Self.step(run.id, 2, tool: "filesystem_write", status: "error")])
        run.status = .completed
        run.answer = "Wrote summary.txt"
        try store.save(run: run, appending: [Self.step(run.id, 3, tool: nil, status: "answer")])
        let steps = try store.steps(runID: run.id)
        #expect(steps.map(\.index) == [1, 1, 2, 3])
        #expect(steps.map(\.tool) == ["filesystem_list", "filesystem_read", "filesystem_write", nil])
        #expect(try store.run(id: run.id)?.answer == "Wrote summary.txt")
        #expect(try store.unfinished().isEmpty)
    }

    @Test func createUpdateAndList() throws {
        let store = RunStore(database: try NexusDatabase.inMemory())
        let created = try store.create(task: "count lines", model: "smollm2", workspace: "/w", policy: [:], state: ["step": 0])
        #expect(created.id.hasPrefix("run_") && created.id.count == 16)
        #expect(try store.run(id: created.id)?.state == ["step": 0])
        let duplicate = #expect(throws: NexusError.self) { try store.create(created) }
        #expect(duplicate?.code == .invalidArgument)
        let missing = #expect(throws: NexusError.self) { try store.update(Self.sampleRun()) }
        #expect(missing?.code == .notFound)
        var changed = created
        changed.status = .failed
        try store.update(changed)
        #expect(try store.list(status: .failed).map(\.id) == [created.id])
        let later = RunRecord(task: "later", model: "m", workspace: "/w", createdAt: Date().addingTimeInterval(10))
        try store.create(later)
        #expect(try store.list().map(\.id) == [later.id, created.id])
        #expect(try store.list(limit: 1).count == 1)
    }

    @Test func outcomeFromFeedback() throws {
        let store = RunStore(database: try NexusDatabase.inMemory())
        let run = Self.sampleRun()
        try store.create(run)
        try store.setOutcome(runID: run.id, outcome: .success, source: OutcomeSource.feedback)
        let loaded = try #require(try store.run(id: run.id))
        #expect(loaded.outcome == .success && loaded.outcomeSource == OutcomeSource.feedback)
        let unknown = #expect(throws: NexusError.self) { try store.setOutcome(runID: "run_nope", outcome: .failure, source: OutcomeSource.feedback) }
        #expect(unknown?.code == .notFound)
        #expect(try store.run(id: run.id)?.outcome == .success)
    }

    @Test("status, outcome, its source and the mode are stored by raw value; a value this version does not know fails the read, never guessed")
    func typedFieldsByRawValue() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-runs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent(NexusDatabase.fileName).path
        let store = RunStore(database: try NexusDatabase.open(at: URL(fileURLWithPath: path)))
        var run = Self.sampleRun()
        run.status = .budgetExhausted
        run.outcome = .unknown
        run.outcomeSource = .budget
        run.mode = .crystallized
        try store.create(run)
        let stored = try ExternalDatabase.query(path: path, sql: "SELECT status, outcome, outcome_source, mode FROM runs WHERE id = ?",
                                                parameters: [.string(run.id)], readOnly: true, maxBytes: 1 << 16)
        #expect(stored.rows == [["status": "budget_exhausted", "outcome": "unknown", "outcome_source": "budget", "mode": "crystallized"]])
        let loaded = try #require(try store.run(id: run.id))
        #expect(loaded.status == .budgetExhausted && loaded.outcome == .unknown && loaded.outcomeSource == .budget && loaded.mode == .crystallized)
        _ = try ExternalDatabase.query(path: path, sql: "UPDATE runs SET status = 'paused' WHERE id = ?", parameters: [.string(run.id)],
                                       readOnly: false, maxBytes: 1 << 16)
        #expect(throws: (any Error).self) { try store.run(id: run.id) }
    }

    @Test func lookupByUniquePrefix() throws {
        let store = RunStore(database: try NexusDatabase.inMemory())
        try store.create(Self.sampleRun(id: "run_abc111111111"))
        try store.create(Self.sampleRun(id: "run_abc222222222"))
        #expect(try store.run(matching: "abc1")?.id == "run_abc111111111")
        #expect(try store.run(matching: "run_abc2")?.id == "run_abc222222222")
        #expect(try store.run(matching: "run_abc222222222")?.id == "run_abc222222222")
        #expect(try store.run(matching: "zzz") == nil)
        #expect(try store.run(matching: "%") == nil)
        let ambiguous = #expect(throws: NexusError.self) { try store.run(matching: "abc") }
        #expect(ambiguous?.message.contains("run_abc111111111") == true)
    }
}
