import Foundation
import NexusAgent
import NexusCore
import NexusInference
import NexusStore
import NexusTesting
import NexusTools
import Testing

/// A tool the task "Send the report" points to as much as to its siblings: only its record can
/// set it apart.
private struct ReportTool: Tool {
    let name: String
    var definition: ToolDefinition {
        ToolDefinition(name: name, description: "Sends a report.", parameters: ["type": "object", "properties": [:]])
    }
    var keywords: [String] { ["report"] }
    func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult { .ok("filed") }
}

@Suite("Tool statistics are counted by the loop and weigh in the tool choice")
struct ToolStatisticsTests {
    static let reportTools = ["report_alpha", "report_beta", "report_gamma", "report_delta", "report_epsilon"]

    /// The tools the first turn of a run of "Send the report" offers, with `stats` recorded first.
    static func offered(after stats: [(tool: String, status: ToolResult.Status)]) async throws -> Set<String> {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let store = ToolStatsStore(database: fixture.database)
        for stat in stats { try await store.record(tool: stat.tool, status: stat.status, durationSeconds: 0.1) }
        let tools = try ToolRegistry([FilesystemListTool(), FilesystemReadTool()] + reportTools.map { ReportTool(name: $0) })
        let backend = RecordingBackend(wrapping: ScriptedBackend(name: "script", responses: [call("filesystem_list", "{}"), "Sent."]))
        let runner = AgentRunner(backend: backend, tools: tools, database: fixture.database)
        // Only the first turn's offer matters here, not how the short script ends the run.
        _ = try? await fixture.collect(runner.start(task: "Send the report", workspace: fixture.workspace.url, policy: .default))
        return Set(backend.requests.first?.tools.map(\.name) ?? [])
    }

    @Test("every call that reaches a tool is counted with how it ended; a call refused before it runs is not")
    func callsAreCounted() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, _) = fixture.runner([
            call("filesystem_list", "{}"),
            call("filesystem_read", #"{"path": "missing.txt"}"#),
            call("execute_command", #"{"command": "ls"}"#),
            "There are 3 files.",
        ])
        _ = try await fixture.collect(runner.start(task: "How many files are there?", workspace: fixture.workspace.url, policy: .default))
        let store = ToolStatsStore(database: fixture.database)
        let list = try #require(try store.stats(tool: "filesystem_list"))
        #expect(list.calls == 1 && list.ok == 1)
        let read = try #require(try store.stats(tool: "filesystem_read"))
        #expect(read.calls == 1 && read.errors == 1)
        #expect(try store.stats(tool: "execute_command") == nil)
    }

    @Test("a tool that kept failing gives way to an equally named one, once it has five calls; without statistics the choice is unchanged")
    func failingToolGivesWay() async throws {
        let always: Set = ["filesystem_list", "filesystem_read"]
        #expect(try await Self.offered(after: []) == always.union(["report_alpha", "report_beta", "report_gamma", "report_delta"]))
        let failures = Array(repeating: (tool: "report_alpha", status: ToolResult.Status.error), count: 4)
        // Four calls are not yet a record.
        #expect(try await Self.offered(after: failures).contains("report_alpha"))
        let record = failures + [(tool: "report_alpha", status: .refused), (tool: "report_beta", status: .ok)]
        #expect(try await Self.offered(after: record) == always.union(["report_beta", "report_gamma", "report_delta", "report_epsilon"]))
    }
}
