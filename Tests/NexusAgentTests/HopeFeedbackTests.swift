import Foundation
import NexusAgent
import NexusCore
import NexusInference
import NexusModules
import NexusStore
import NexusTesting
import NexusTools
import Testing

/// Feedback closes the loop: `bad` on a replay demotes its trace at once (and rolls its module
/// back through the signed lifecycle); good outcomes promote it again. A run that ends on an error
/// is never a success, so HOPE never learns from it.
@Suite("HOPE: feedback and verdicts")
struct HopeFeedbackTests {
    static let countTask = "Count the lines of %@ and write the count into count.txt"

    func write(_ fixture: AgentFixture, _ name: String, lines: Int) throws {
        try Data((0..<max(lines, 1)).map { "line \($0)\n" }.joined().utf8).write(to: fixture.workspace.url.appendingPathComponent(name))
    }

    /// A run of the count task under `tools` (installed modules included when given).
    func run(_ fixture: AgentFixture, _ file: String, lines: Int, script: [String] = [], tools: ToolRegistry? = nil, hope: Bool = true) async throws -> RunSummary {
        try write(fixture, file, lines: lines)
        let runner = AgentRunner(backend: ScriptedBackend(name: "script", responses: script), tools: tools ?? fixture.tools, database: fixture.database,
                                 configuration: AgentConfiguration(hope: HopeThresholds(enabled: hope)))
        return try #require(await fixture.collect(runner.start(task: String(format: Self.countTask, file), workspace: fixture.workspace.url, policy: .default)).summary)
    }

    /// count.txt before the first count: one word on one line, so no count of it explains a
    /// file's line count (a program derived from it would never read the file it counts).
    func startCount(_ fixture: AgentFixture) throws {
        try Data("none\n".utf8).write(to: fixture.workspace.url.appendingPathComponent("count.txt"))
    }

    func learnerScript(_ file: String, count: Int) -> [String] {
        [call("filesystem_read", #"{"path": "\#(file)"}"#), call("filesystem_read", #"{"path": "count.txt"}"#),
         call("filesystem_write", #"{"path": "count.txt", "content": "\#(count)\n"}"#), "\(file) has \(count) lines."]
    }

    @Test("bad on a follower demotes its trace at once: the next run is not replayed; three good verdicts promote it again")
    func badFollowerDemotes() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try startCount(fixture)
        let learned = try await run(fixture, "a0.txt", lines: 2, script: learnerScript("a0.txt", count: 2))
        #expect(learned.outcome == .success)
        var followers: [RunSummary] = []
        for index in 1...4 {
            let summary = try await run(fixture, "a\(index).txt", lines: index + 2)
            #expect(summary.mode == .follower)
            followers.append(summary)
        }

        let feedback = HopeFeedback(database: fixture.database, lifecycle: nil)
        let verdict = try feedback.judge(runID: followers[3].id, good: false)
        #expect(verdict.demoted?.runID == learned.id)
        let trace = try #require(try TraceStore(database: fixture.database).trace(runID: learned.id))
        #expect(trace.demotedBecause?.contains(followers[3].id) == true)

        // Demoted: shown as guidance, never replayed.
        let guided = try await run(fixture, "a5.txt", lines: 7, script: learnerScript("a5.txt", count: 7))
        #expect(guided.mode == .mixed, "\(guided.reason)")
        #expect(guided.reason.contains("demoted"))

        // Three runs that used it, judged good since: it is followed again.
        #expect(try feedback.judge(runID: followers[0].id, good: true).promoted == nil)
        #expect(try feedback.judge(runID: followers[1].id, good: true).promoted == nil)
        let promoted = try feedback.judge(runID: followers[2].id, good: true)
        #expect(promoted.promoted?.runID == learned.id)
        #expect(try TraceStore(database: fixture.database).trace(runID: learned.id)?.demotedBecause == nil)
        let again = try await run(fixture, "a9.txt", lines: 9)
        #expect(again.mode == .follower)
        #expect(again.reason.contains(learned.id))
    }

    @Test("bad on a crystallized run demotes its trace and rolls its module back to the earlier version (a signed ledger entry)")
    func badCrystallizedRollsBack() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        try startCount(fixture)
        let runtime = ModuleRuntime(database: fixture.database, tools: fixture.tools)
        let lifecycle = ModuleLifecycle(runtime: runtime, ledger: Ledger(database: fixture.database, home: home.url))
        let crystallizer = Crystallizer(database: fixture.database, lifecycle: lifecycle)
        let first = try await run(fixture, "a0.txt", lines: 2, script: learnerScript("a0.txt", count: 2))
        for index in 1...4 { #expect(try await run(fixture, "a\(index).txt", lines: index + 2).mode == .follower) }
        let version1 = try await crystallizer.crystallize(runID: first.id)
        // A second proven trace of the same shape (a run without HOPE) becomes version 1.1.0.
        let second = try await run(fixture, "b0.txt", lines: 4, script: learnerScript("b0.txt", count: 4), hope: false)
        let version2 = try await crystallizer.crystallize(runID: second.id)
        #expect(version2.module.hasSuffix("@1.1.0"))

        let installed = try runtime.tools.adding(try runtime.installedTools())
        let crystallized = try await run(fixture, "c0.txt", lines: 5, tools: installed)
        #expect(crystallized.mode == .crystallized)
        let verdict = try HopeFeedback(database: fixture.database, lifecycle: lifecycle).judge(runID: crystallized.id, good: false)
        #expect(verdict.demoted?.runID == second.id)
        #expect(verdict.demoted?.moduleAction.hasPrefix("rolled back to \(version1.module)") == true)
        let name = String(version1.module.prefix { $0 != "@" })
        #expect(try ModuleStore(database: fixture.database).installs(name: name).last?.action == .rollback)
        #expect(try LedgerStore(database: fixture.database).entries().last?.action == "rollback")

        // The next run runs version 1.0.0, compiled from the trace that was not judged bad.
        let next = try await run(fixture, "c1.txt", lines: 6, tools: installed)
        #expect(next.mode == .crystallized)
        #expect(next.reason.contains(version1.module))
        let demotions = try TraceStore(database: fixture.database).demotions(of: second.id)
        #expect(demotions.count == 1 && demotions[0].module == version2.module)
    }

    @Test("bad on a module's only version: nothing to roll back to, so it stays installed but is passed over while its trace is demoted")
    func badCrystallizedSingleVersionIsPassedOver() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        try startCount(fixture)
        let runtime = ModuleRuntime(database: fixture.database, tools: fixture.tools)
        let lifecycle = ModuleLifecycle(runtime: runtime, ledger: Ledger(database: fixture.database, home: home.url))
        let first = try await run(fixture, "a0.txt", lines: 2, script: learnerScript("a0.txt", count: 2))
        let made = try await Crystallizer(database: fixture.database, lifecycle: lifecycle).crystallize(runID: first.id)
        let installed = try runtime.tools.adding(try runtime.installedTools())
        let crystallized = try await run(fixture, "c0.txt", lines: 5, tools: installed)
        #expect(crystallized.mode == .crystallized)
        let verdict = try HopeFeedback(database: fixture.database, lifecycle: lifecycle).judge(runID: crystallized.id, good: false)
        #expect(verdict.demoted?.module == made.module)
        #expect(verdict.demoted?.moduleAction.contains("kept installed") == true)
        let next = try await run(fixture, "c1.txt", lines: 6, script: learnerScript("c1.txt", count: 6), tools: installed)
        #expect(next.mode == .mixed, "\(next.reason)")
        #expect(next.reason.contains("demoted"))
    }

    @Test("a run whose answer is an error is a failure, and its trace is never followed")
    func errorAnswerIsNotASuccess() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, _) = fixture.runner([
            call("filesystem_write", #"{"path": "a.txt", "content": "joined\n"}"#),
            #"ERROR: a.txt already exists and you have not read it; read it first with filesystem_read"#,
        ])
        let summary = try #require(await fixture.collect(runner.start(task: "Join b.txt and notes.md into a.txt", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.status == .completed)
        #expect(summary.outcome == .failure)
        #expect(summary.outcomeSource == OutcomeSource.check)
        #expect(summary.reason.contains("not judged a success"))
        let (again, backend) = fixture.runner(["I cannot."])
        let next = try #require(await fixture.collect(again.start(task: "Join b.txt and notes.md into a.txt", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(next.mode != .follower)
        #expect(!backend.requests.isEmpty)
    }

    @Test("an answer that only begins with the word 'Error' is not taken for an error")
    func errorWordIsNotAnError() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try Data("requests: 200, errors: 0 %\n".utf8).write(to: fixture.workspace.url.appendingPathComponent("a.txt"))
        let (runner, _) = fixture.runner([call("filesystem_read", #"{"path": "a.txt"}"#), "Error rate in a.txt is 0 %."])
        let summary = try #require(await fixture.collect(runner.start(task: "What is the error rate in a.txt?", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.outcome == .success)
    }

    @Test("a run whose last tool call failed is not judged a success")
    func lastCallFailedIsNotASuccess() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, _) = fixture.runner([call("filesystem_read", #"{"path": "missing.txt"}"#), "I could not read missing.txt."])
        let summary = try #require(await fixture.collect(runner.start(task: "How many lines does missing.txt have?", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.status == .completed)
        #expect(summary.outcome == .unknown)
        #expect(try TraceStore(database: fixture.database).proven(signature: TaskSignature.of("How many lines does missing.txt have?")).isEmpty)
    }
}
