import Foundation
import NexusCore
import NexusModules
import Testing

/// Stands where another MCP server's tool stands in the registry (`srv.echo`); it answers with
/// the MCP servers of the policy the call reached it with, so a test sees what a module passes on.
private struct PolicyEcho: Tool {
    let definition = ToolDefinition(name: "srv.echo", description: "Reports the MCP servers its caller may use.",
                                    parameters: ["type": "object"])

    func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        .ok((context.policy.mcpServers ?? []).joined(separator: ","))
    }
}

@Suite("Modules and MCP servers' tools")
struct ModuleMCPToolTests {
    private let call = "return {servers = nexus.call('srv.echo', {})}"

    @Test("a module may declare SERVER.TOOL: validation passes it, and a call reaches it only when the caller allows the server")
    func declaredServerTool() async throws {
        let home = try ModuleTestHome(extraTools: [PolicyEcho()])
        defer { home.remove() }
        // Validation runs without the server (its own tests give canned results), so it cannot
        // demand that the tool exists; a name that is no SERVER.TOOL is still refused.
        let tests: JSONValue = [["name": "canned", "input": [:], "tools": ["srv.echo": ["status": "ok", "content": "x"]],
                                 "expect": ["servers": "x"]]]
        try await home.release("relay", body: call, capabilities: ["tools": ["srv.echo"]], tests: tests)
        do {
            try home.draft("typo", body: call, capabilities: ["tools": ["srv_echo"]])
            let report = try await home.lifecycle.validate("typo")
            #expect(!report.passed && report.failures.contains { $0.message.contains("'srv_echo' is neither") })
        }

        let allowed = await home.runtime.runInstalled(name: "relay", input: [:], context: home.context { $0.mcpServers = ["srv", "other"] })
        // The module keeps only the servers whose tools it declared.
        #expect(allowed.output?["servers"] == "srv", "\(allowed.outcome)")

        let refused = await home.runtime.runInstalled(name: "relay", input: [:], context: home.context())
        guard case .refused(let message) = refused.failure else { Issue.record("expected a refusal, got \(refused.outcome)"); return }
        #expect(message.contains("MCP server 'srv'") && message.contains("--allow-mcp srv"))
    }

    @Test("a caller's MCP servers narrow to those whose tools the module declares")
    func narrowing() {
        var policy = CapabilityPolicy.default
        policy.mcpServers = ["srv", "files"]
        let workspace = URL(fileURLWithPath: "/tmp")
        #expect(ModuleCapabilities(tools: ["files.read", "filesystem_list"]).narrowing(policy, workspace: workspace).mcpServers == ["files"])
        #expect(ModuleCapabilities(tools: ["filesystem_list"]).narrowing(policy, workspace: workspace).mcpServers == [])
        #expect(ModuleCapabilities(tools: ["srv.echo"]).narrowing(.default, workspace: workspace).mcpServers == nil)
    }
}
