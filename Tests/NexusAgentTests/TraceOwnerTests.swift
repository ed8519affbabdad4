import Foundation
import NexusAgent
import NexusCore
import NexusStore
import NexusTesting
import NexusTools
import Testing

/// On a shared server one key's runs must never steer, or be quoted to, another key's runs.
@Suite("HOPE learns only from runs of the same owner")
struct TraceOwnerTests {
    func run(_ fixture: AgentFixture, owner: String?, _ task: String, _ script: [String]) async throws -> RunSummary {
        var configuration = AgentConfiguration()
        configuration.ownerKeyID = owner
        let (runner, _) = fixture.runner(script, configuration: configuration)
        return try #require(await fixture.collect(runner.start(task: task, workspace: fixture.workspace.url, policy: .default)).summary)
    }

    @Test("another key's proven trace is neither replayed nor quoted; the same key's is followed")
    func tracesStayWithTheirOwner() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        for name in ["secret1.txt", "other2.txt", "mine3.txt"] {
            try Data("contents of \(name)\n".utf8).write(to: fixture.workspace.url.appendingPathComponent(name))
        }
        let learned = try await run(fixture, owner: "key-one", "What is in the file secret1.txt?",
                                    [call("filesystem_read", #"{"path": "secret1.txt"}"#), "It says: contents of secret1.txt"])
        #expect(learned.mode == "learner" && learned.outcome == "success")

        let foreign = try await run(fixture, owner: "key-two", "What is in the file other2.txt?",
                                    [call("filesystem_read", #"{"path": "other2.txt"}"#), "It says: contents of other2.txt"])
        #expect(foreign.mode == "learner", "\(foreign.reason)")
        #expect(!foreign.reason.contains("secret1") && !foreign.reason.contains(learned.id))

        let local = try await run(fixture, owner: nil, "What is in the file other2.txt?",
                                  [call("filesystem_read", #"{"path": "other2.txt"}"#), "It says: contents of other2.txt"])
        #expect(local.mode == "learner", "runs outside the server learn only from runs outside the server: \(local.reason)")

        let own = try await run(fixture, owner: "key-one", "What is in the file mine3.txt?", [])
        #expect(own.mode == "follower", "\(own.reason)")
    }
}
