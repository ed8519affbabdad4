import Foundation
import NexusAgent
import NexusCore
import NexusStore
import NexusTesting
import Testing

/// The loop's small-model strategies are pluggable, so a task corpus can measure each one
/// (`bench/agent.sh -A`): answer checks can be left out, every tool offered, redraws turned off.
/// The verdict a run's trace is learned from does not depend on them.
@Suite("Agent loop strategies")
struct LoopStrategyTests {
    func folder(_ fixture: AgentFixture, _ name: String, files: Int) throws {
        let url = fixture.workspace.url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for index in 0..<files { try Data("file \(index)\n".utf8).write(to: url.appendingPathComponent("f\(index).txt")) }
    }

    @Test("without the grounded check a made-up count is not sent back, and the run is still not judged a success")
    func groundedCheckLeftOut() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try folder(fixture, "crates", files: 7)
        var configuration = AgentConfiguration()
        configuration.answerChecks.remove(.grounded)
        let (runner, backend) = fixture.runner([call("filesystem_list", #"{"path": "crates"}"#), "The folder crates holds 12 files."],
                                               configuration: configuration)
        let summary = try #require(await fixture.collect(runner.start(task: "How many files does the folder crates hold?",
                                                                      workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(backend.requests.count == 2)
        #expect(summary.answer == "The folder crates holds 12 files.")
        #expect(summary.outcome == .unknown)
    }

    @Test("offering every tool gives a question the tools that change things too; the default offers only those that find things out")
    func toolOffer() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let task = "How many files are in the workspace?"
        // HOPE off: the second run must ask the model, not replay the first.
        var chosen = AgentConfiguration()
        chosen.hope.enabled = false
        var all = chosen
        all.toolOffer = .all
        for (configuration, offersWrite) in [(chosen, false), (all, true)] {
            let (runner, backend) = fixture.runner([call("filesystem_list", #"{"path": "."}"#), "There are 3 files."], configuration: configuration)
            _ = try await fixture.collect(runner.start(task: task, workspace: fixture.workspace.url, policy: .default))
            #expect(backend.requests.first?.tools.contains { $0.name == "filesystem_write" } == offersWrite)
        }
    }

    @Test("a model that can only repeat itself after its answer was sent back is made to answer, not held to a call until the budget ends")
    func repeatingAfterSendBackAnswers() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try folder(fixture, "crates", files: 7)
        let list = call("filesystem_list", #"{"path": "crates"}"#)
        let (runner, backend) = fixture.runner([list, "The folder crates holds 12 files.", list, "The folder crates holds 7 files."])
        let summary = try #require(await fixture.collect(runner.start(task: "How many files does the folder crates hold?",
                                                                      workspace: fixture.workspace.url, policy: .default)).summary)
        // Sent back (a made-up count), the model must call a tool; it repeats its listing, so
        // the next turn asks for the answer instead of another call.
        #expect(backend.requests.map(\.toolChoice) == [.required, .auto, .required, .none])
        #expect(summary.answer == "The folder crates holds 7 files.")
        #expect(summary.outcome == .success)
    }
}
