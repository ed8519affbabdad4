import Foundation
import NexusAgent
import NexusCore
import NexusInference
import NexusStore
import NexusTesting
import NexusTools
import Testing

@Suite("The agent loop on the real default model")
struct RealModelAgentTests {
    @Test("qwen2.5-coder:0.5b creates a file with a tool call and the run completes")
    func createFile() async throws {
        let workspace = try TemporaryDirectory()
        defer { workspace.remove() }
        let engine = try await LlamaEngine.load(
            path: try TestModels.path("qwen2.5-coder:0.5b"), configuration: EngineConfiguration(contextLength: 4096, slots: 1, threads: 2))
        let database = try NexusDatabase.inMemory()
        let tools = try ToolRegistry([FilesystemListTool(), FilesystemReadTool(), FilesystemWriteTool()])
        let runner = AgentRunner(backend: LocalBackend(modelName: "qwen2.5-coder:0.5b", engine: engine), tools: tools,
                                 database: database, configuration: AgentConfiguration(maxSteps: 3, maxTokensPerTurn: 200))
        var summary: RunSummary?
        for try await event in runner.start(
            task: "Create a file named hello.txt containing the text: Hello from Nexus", workspace: workspace.url, policy: .default) {
            if case .finished(let finished) = event { summary = finished }
        }
        let result = try #require(summary)
        #expect(result.steps.first?.tool == "filesystem_write")
        #expect(result.steps.first?.status == "ok")
        let written = try String(contentsOf: workspace.url.appendingPathComponent("hello.txt"), encoding: .utf8)
        #expect(written.trimmingCharacters(in: .whitespacesAndNewlines) == "Hello from Nexus")
        #expect(try RunStore(database: database).run(id: result.id) != nil)
    }
}
