import Foundation
import NexusAgent
import NexusCore
import NexusTesting
import Testing

/// The files and folders a task names are looked at by the runtime before the model's first turn.
@Suite("Looking ahead at what the task names")
struct LookAheadTests {
    func configuration(looksAhead: Bool = true) -> AgentConfiguration {
        var agent = AgentConfiguration()
        agent.looksAhead = looksAhead
        return agent
    }

    @Test("a named file is read and a named folder listed, as steps, before the model answers from them")
    func namedPathsAreLookedAt() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try FileManager.default.createDirectory(at: fixture.workspace.url.appendingPathComponent("photos"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: fixture.workspace.url.appendingPathComponent("photos/cat.jpg"))
        let (runner, backend) = fixture.runner(["a.txt holds one line, and photos holds 1 file."], configuration: configuration())
        let summary = try #require(try await fixture.collect(runner.start(
            task: "Compare 'a.txt', the folder photos and missing.txt.", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.steps.map(\.tool) == ["filesystem_read", "filesystem_list"])
        #expect(summary.steps.map { $0.arguments["path"]?.stringValue } == ["a.txt", "photos"])
        #expect(summary.answer == "a.txt holds one line, and photos holds 1 file.")
        // The model's first turn sees both results, and may answer from them: it has observed.
        guard case .chat(let messages) = backend.requests[0].prompt else { Issue.record("not a chat"); return }
        #expect(messages.filter { $0.role == .tool }.count == 2)
        #expect(messages.contains { $0.role == .tool && $0.content.contains("contents of a.txt") })
        #expect(backend.requests[0].toolChoice == .auto)
    }

    @Test("nothing outside the workspace, no link, and nothing when turned off")
    func onlyTheWorkspacesOwn() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try FileManager.default.createSymbolicLink(atPath: fixture.workspace.url.appendingPathComponent("link.txt").path, withDestinationPath: "/etc/hostname")
        let (runner, backend) = fixture.runner([call("filesystem_list", "{}"), "Done."], configuration: configuration())
        let summary = try #require(try await fixture.collect(runner.start(
            task: "Show /etc/passwd, ../a.txt, ~/a.txt and link.txt", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.steps.map(\.tool) == ["filesystem_list"])
        #expect(backend.requests[0].toolChoice == .required)

        let (off, _) = fixture.runner([call("filesystem_list", "{}"), "Done."], configuration: configuration(looksAhead: false))
        let plain = try #require(try await fixture.collect(off.start(task: "Show a.txt", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(plain.steps.map(\.tool) == ["filesystem_list"])
    }
}
