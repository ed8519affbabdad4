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

    static let task = "List the files in the folder %@ and tell me how many there are."

    func folder(_ fixture: AgentFixture, _ name: String, files: Int) throws {
        let url = fixture.workspace.url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for index in 0..<files { try Data("file \(index)\n".utf8).write(to: url.appendingPathComponent("f\(index).txt")) }
    }

    @Test("another key's proven trace is neither replayed nor quoted; the same key's is followed")
    func tracesStayWithTheirOwner() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        for (name, count) in [("secret1", 3), ("other2", 2), ("mine3", 4)] { try folder(fixture, name, files: count) }
        let learned = try await run(fixture, owner: "key-one", String(format: Self.task, "secret1"),
                                    [call("filesystem_list", #"{"path": "secret1"}"#), "There are 3 files in secret1."])
        #expect(learned.mode == .learner && learned.outcome == .success)

        let foreign = try await run(fixture, owner: "key-two", String(format: Self.task, "other2"),
                                    [call("filesystem_list", #"{"path": "other2"}"#), "There are 2 files in other2."])
        #expect(foreign.mode == .learner, "\(foreign.reason)")
        #expect(!foreign.reason.contains("secret1") && !foreign.reason.contains(learned.id))

        let local = try await run(fixture, owner: nil, String(format: Self.task, "other2"),
                                  [call("filesystem_list", #"{"path": "other2"}"#), "There are 2 files in other2."])
        #expect(local.mode == .learner, "runs outside the server learn only from runs outside the server: \(local.reason)")

        let own = try await run(fixture, owner: "key-one", String(format: Self.task, "mine3"), [])
        #expect(own.mode == .follower, "\(own.reason)")
        #expect(own.answer == "There are 4 files in mine3.")
    }
}
