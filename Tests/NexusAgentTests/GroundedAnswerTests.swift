import Foundation
import NexusAgent
import NexusCore
import NexusStore
import NexusTesting
import Testing

/// A final answer states only values the run observed: a number, version or file name no tool
/// returned is sent back once, and an answer that still states one is not judged a success.
/// Replays check the post-conditions their trace's success rested on, and their own answer.
@Suite("Grounded answers and replay post-conditions")
struct GroundedAnswerTests {
    func run(_ fixture: AgentFixture, _ task: String, _ script: [String] = []) async throws -> (RunSummary, RecordingBackend) {
        let (runner, backend) = fixture.runner(script)
        let summary = try #require(await fixture.collect(runner.start(task: task, workspace: fixture.workspace.url, policy: .default)).summary)
        return (summary, backend)
    }

    func folder(_ fixture: AgentFixture, _ name: String, files: Int) throws {
        let url = fixture.workspace.url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for index in 0..<files { try Data("file \(index)\n".utf8).write(to: url.appendingPathComponent("f\(index).txt")) }
    }

    @Test("values are numbers, versions and file names; a value is grounded by the task, a result, a call's argument or a result's line count")
    func groundingRules() {
        #expect(AnswerGrounding.values(in: "Python 3.11.2 printed 1,234 lines in notes.txt, e.g. box1 and logs/app.log.")
            == ["3.11.2", "1234", "notes.txt", "box1", "logs/app.log"])
        let grounding = AnswerGrounding(task: "How many files are in box7?", results: ["3 files, 0 folders:\nbox7/a\nbox7/b\nbox7/c"],
                                        arguments: ["summary.txt"])
        #expect(grounding.ungrounded("box7 holds 3 files; I wrote summary.txt").isEmpty)
        #expect(grounding.ungrounded("There are 12 files in box7 and crates.txt") == ["12", "crates.txt"])
        // The same number written another way is the same value.
        #expect(AnswerGrounding(task: "", results: ["4.50\n"]).ungrounded("The average is 4.5.").isEmpty)
        // The number of lines of a result counts as observed (a listing without a header).
        #expect(AnswerGrounding(task: "", results: ["alpha\nbeta\ngamma\n"]).ungrounded("3 lines").isEmpty)
    }

    @Test("how a command ended is not an observation: its exit code and the limit that killed it ground no answer")
    func commandEndingGroundsNothing() {
        let task = "How many ERROR lines are in app.log?"
        // grep finding nothing exits 1 and prints nothing.
        let nothingFound = AnswerGrounding(task: task, results: ["exit code 1\n(no output)\n\n(Task: \(task))"])
        #expect(nothingFound.ungrounded("There is 1 ERROR line.") == ["1"])
        #expect(nothingFound.ungrounded("There are 0 ERROR lines.").isEmpty)
        let killed = AnswerGrounding(task: task, results: ["killed after 60 s wall-clock limit\nstdout:\n2"])
        #expect(killed.ungrounded("60 lines") == ["60"])
        #expect(killed.ungrounded("2 lines").isEmpty)
        // What a failed program printed still counts.
        #expect(AnswerGrounding(task: task, results: ["exit code 2\nstdout:\n4\nstderr:\nwarning"]).ungrounded("4 lines").isEmpty)
        #expect(AnswerGrounding(task: task, results: ["exit code 0\nstdout:\n7"]).ungrounded("7").isEmpty)
    }

    @Test("an answer stating a count no tool returned is sent back once; the model's corrected answer then stands")
    func madeUpCountIsSentBack() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try folder(fixture, "crates", files: 7)
        let (summary, backend) = try await run(fixture, "How many files does the folder crates hold?", [
            call("filesystem_list", #"{"path": "crates"}"#), "The folder crates holds 12 files.",
            call("filesystem_list", #"{"path": "crates", "recursive": true}"#), "The folder crates holds 7 files.",
        ])
        #expect(summary.outcome == .success, "\(summary.reason)")
        #expect(summary.answer == "The folder crates holds 7 files.")
        #expect(backend.requests.count == 4)
        let steps = try RunStore(database: fixture.database).steps(runID: summary.id)
        #expect(steps.contains { $0.status == "not_done" && ($0.resultExcerpt ?? "").contains("12") })
    }

    @Test("an answer that keeps stating a made-up value is not judged a success, and says why")
    func madeUpValueIsNotASuccess() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try folder(fixture, "crates", files: 7)
        let (summary, _) = try await run(fixture, "How many files does the folder crates hold?", [
            call("filesystem_list", #"{"path": "crates"}"#), "The folder crates holds 12 files.",
            call("filesystem_read", #"{"path": "crates/f0.txt"}"#), "The folder crates holds 12 files.",
        ])
        #expect(summary.status == .completed)
        #expect(summary.outcome == .unknown)
        #expect(summary.reason.contains("'12'"), "\(summary.reason)")
    }

    @Test("a successful run keeps its post-conditions: the files it left, with text from the task, and its answer's sources")
    func postConditionsAreKept() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try folder(fixture, "box1", files: 3)
        let (written, _) = try await run(fixture, "Write the word delta into a new file called flag.", [
            call("filesystem_write", #"{"path": "flag", "content": "delta"}"#), "I wrote delta into flag.",
        ])
        let conditions = try #require(try TraceStore(database: fixture.database).trace(runID: written.id)?.postConditions)
        #expect(conditions.files == [PostConditions.FileCondition(path: "flag", state: .file, text: "delta", fromTask: true)])
        let (counted, _) = try await run(fixture, "List the files in the folder box1 and tell me how many there are.", [
            call("filesystem_list", #"{"path": "box1"}"#), "There are 3 files in box1.",
        ])
        let answer = try #require(try TraceStore(database: fixture.database).trace(runID: counted.id)?.postConditions).answer
        #expect(answer == [.init(value: "3", source: "result of step 1"), .init(value: "box1", source: "task")])
    }

    @Test("a replay whose end state misses a post-condition of the followed run falls back to the model, with the reason")
    func brokenPostConditionStopsTheReplay() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (learned, _) = try await run(fixture, "Write the word 'delta' into a new file called flag.", [
            call("filesystem_write", #"{"path": "flag", "content": "delta"}"#), "Done.",
        ])
        let (followed, _) = try await run(fixture, "Write the word 'foxtrot' into a new file called result.")
        #expect(followed.mode == .follower, "\(followed.reason)")
        #expect(try String(contentsOf: fixture.workspace.url.appendingPathComponent("result"), encoding: .utf8) == "foxtrot")
        // The followed run's success also rested on a second file (say, one its code wrote), which
        // the replay does not make: the replay must not end as if it had.
        let store = TraceStore(database: fixture.database)
        var conditions = try #require(try store.trace(runID: learned.id)?.postConditions)
        conditions.files.append(.init(path: "flag.done", state: .file))
        try store.setPostConditions(runID: learned.id, conditions)
        let (checked, _) = try await run(fixture, "Write the word 'golf' into a new file called other.", ["Done."])
        #expect(checked.mode == .learner)
        #expect(checked.reason.contains("post-condition") && checked.reason.contains("other.done"), "\(checked.reason)")
    }

    @Test("a trace judged good by mistake, whose answer states a made-up count, is not replayed as a right answer")
    func madeUpAnswerIsNotReplayed() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try folder(fixture, "box1", files: 3)
        let task = "List the files in the folder %@ and tell me how many there are."
        let (learned, _) = try await run(fixture, String(format: task, "box1"), [
            call("filesystem_list", #"{"path": "box1"}"#), "There are 12 files in box1.",
            call("filesystem_read", #"{"path": "box1/f0.txt"}"#), "There are 12 files in box1.",
        ])
        #expect(learned.outcome == .unknown)
        _ = try HopeFeedback(database: fixture.database, lifecycle: nil).judge(runID: learned.id, good: true)
        try folder(fixture, "box2", files: 5)
        // The followed run's calls explain nothing of its answer, so its program has no call,
        // and box1 is passed to no tool: it is not replayed (it would state "12" having looked
        // at nothing), only shown as guidance.
        let dispatch = try await Dispatcher(database: fixture.database, tools: fixture.tools, thresholds: HopeThresholds()).dispatch(String(format: task, "box2"))
        #expect(dispatch.mode == .mixed, "\(dispatch.reason)")
        #expect(dispatch.reason.contains("no call passes it as a value"), "\(dispatch.reason)")
        let (summary, _) = try await run(fixture, String(format: task, "box2"), [
            call("filesystem_list", #"{"path": "box2"}"#), "There are 5 files in box2.",
        ])
        #expect(summary.mode != .follower && summary.mode != .crystallized, "\(summary.reason)")
        #expect(summary.answer == "There are 5 files in box2.")
    }
}
