import Foundation
import NexusAgent
import NexusCore
import NexusStore
import NexusTesting
import Testing

/// The end-of-run verdict holds whatever the model says after a check sent its answer back once:
/// a small model told "nothing has been changed" answers with those very words, or insists it is
/// done, and neither may be recorded as a success that HOPE then learns from.
@Suite("Run verdicts after an answer was sent back")
struct RunVerdictTests {
    static let task = "Write the word hello into a new file called greeting.txt."

    func finish(_ replies: [String]) async throws -> (RunSummary, AgentFixture) {
        let fixture = try AgentFixture()
        let (runner, _) = fixture.runner(replies)
        let summary = try #require(await fixture.collect(runner.start(task: Self.task, workspace: fixture.workspace.url, policy: .default)).summary)
        return (summary, fixture)
    }

    @Test("an answer in the loop's own words is a failure, and no trace of it is proven")
    func loopWordsAreNotAnAnswer() async throws {
        let (summary, fixture) = try await finish([
            "I wrote hello into greeting.txt.",
            "Nothing in the workspace has been changed!",
            "Nothing in the workspace has been changed!",
            "Nothing in the workspace has been changed!",
        ])
        defer { fixture.workspace.remove() }
        #expect(summary.status == .completed)
        #expect(summary.outcome == .failure, "\(summary.reason)")
        #expect(summary.outcomeSource == OutcomeSource.check)
        #expect(summary.reason.contains("repeats what the loop told the model"))
        #expect(try TraceStore(database: fixture.database).proven(signature: TaskSignature.of(Self.task)).isEmpty)
    }

    @Test("a model that insists a change is done when nothing changed is not judged a success")
    func insistingIsNotChanging() async throws {
        let (summary, fixture) = try await finish([
            "I wrote hello into greeting.txt.",
            "It is written: greeting.txt says hello.",
            "Yes, greeting.txt holds the word hello now.",
            "greeting.txt contains hello.",
        ])
        defer { fixture.workspace.remove() }
        #expect(summary.status == .completed)
        #expect(summary.outcome != .success, "\(summary.reason)")
        #expect(summary.reason.contains("not judged a success"))
        #expect(try TraceStore(database: fixture.database).proven(signature: TaskSignature.of(Self.task)).isEmpty)
    }

    @Test("a model that changed something, but not the file the task asks for, is not judged a success")
    func otherChangeIsNotTheFile() async throws {
        let (summary, fixture) = try await finish([
            call("filesystem_write", #"{"path": "hello.txt", "content": "hello\n"}"#),
            "I wrote hello into greeting.txt.",
            "Done: greeting.txt holds hello.",
            "greeting.txt contains hello.",
        ])
        defer { fixture.workspace.remove() }
        #expect(summary.outcome != .success, "\(summary.reason)")
        #expect(summary.reason.contains("greeting.txt, which does not exist"), "\(summary.reason)")
    }

    @Test("a file the task calls a file without an extension ('a file outbox') is that name: outbox.txt is not it")
    func bareFileNameIsTheName() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let task = "Create a file outbox containing just the word sierra."
        let (runner, backend) = fixture.runner([
            call("filesystem_write", #"{"path": "outbox.txt", "content": "sierra\n"}"#),
            "I created outbox with the word sierra.",
            call("filesystem_write", #"{"path": "outbox", "content": "sierra\n"}"#),
            "I created outbox with the word sierra.",
        ])
        let summary = try #require(await fixture.collect(runner.start(task: task, workspace: fixture.workspace.url, policy: .default)).summary)
        // The first answer is sent back: outbox does not exist. The model then writes it.
        #expect(backend.requests.count == 4)
        #expect(summary.outcome == .success, "\(summary.reason)")
        #expect(try String(contentsOf: fixture.workspace.url.appendingPathComponent("outbox"), encoding: .utf8) == "sierra\n")

        // A model that never writes the name itself is not judged a success (a fresh home: no trace to follow).
        let other = try AgentFixture()
        defer { other.workspace.remove() }
        let (insisting, _) = other.runner([
            call("filesystem_write", #"{"path": "inbox.txt", "content": "tango\n"}"#),
            "I created inbox.", "inbox is there.", "Done.",
        ])
        let stopped = try #require(await other.collect(insisting.start(task: "Create a file inbox containing just the word tango.",
                                                                         workspace: other.workspace.url, policy: .default)).summary)
        #expect(stopped.outcome != .success, "\(stopped.reason)")
        #expect(stopped.reason.contains("inbox, which does not exist"), "\(stopped.reason)")
    }

    @Test("a folder named like the file the task asks for is not that file")
    func folderIsNotTheFile() async throws {
        let (summary, fixture) = try await finish([
            call("filesystem_write", #"{"path": "greeting.txt/hello", "content": "hello\n"}"#),
            "I created greeting.txt.",
            "greeting.txt is there.",
            "Done.",
        ])
        defer { fixture.workspace.remove() }
        #expect(summary.outcome != .success, "\(summary.reason)")
        #expect(summary.reason.contains("greeting.txt, which does not exist"), "\(summary.reason)")
    }

    @Test("a change that was made, then answered, stays a success")
    func madeChangeStands() async throws {
        let (summary, fixture) = try await finish([
            call("filesystem_write", #"{"path": "greeting.txt", "content": "hello\n"}"#),
            "I wrote hello into greeting.txt.",
        ])
        defer { fixture.workspace.remove() }
        #expect(summary.outcome == .success, "\(summary.reason)")
    }
}
