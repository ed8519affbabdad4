import Foundation
import NexusCore
import NexusMCP
import NexusTools
import Testing

@Suite("MCP servers file and the mcp policy key")
struct MCPServersFileTests {
    @Test("the desktop clients' mcpServers layout reads as it is, secrets from the environment")
    func desktopLayout() throws {
        let text = """
            {"mcpServers": {
              "files": {"command": "npx", "args": ["-y", "server"], "env": {"TOKEN": "${FILES_TOKEN}", "PLAIN": "x"}},
              "search": {"url": "https://mcp.example.com/mcp", "headers": {"Authorization": "Bearer ${KEY}-1"}},
              "old": {"command": "old", "disabled": true}
            }}
            """
        let entries = try MCPServersFile.parse(text, source: "mcp.json", environment: ["FILES_TOKEN": "t0k", "KEY": "k"])
        #expect(entries.map(\.name) == ["files", "search"])
        #expect(entries[0].endpoint == .stdio(command: "npx", arguments: ["-y", "server"], environment: ["TOKEN": "t0k", "PLAIN": "x"], folder: nil))
        #expect(entries[1].endpoint == .http(url: URL(string: "https://mcp.example.com/mcp")!, headers: ["Authorization": "Bearer k-1"]))
    }

    @Test("a malformed file is one line naming the file and the server", arguments: [
        ("[]", "not a JSON object"),
        ("{}", "no \"mcpServers\""),
        (#"{"mcpServers": {"a.b": {"command": "x"}}}"#, "'a.b' is not a usable server name"),
        (#"{"mcpServers": {"s": {"args": []}}}"#, "needs \"command\""),
        (#"{"mcpServers": {"s": {"url": "file:///etc/passwd"}}}"#, "not an http(s) address"),
        (#"{"mcpServers": {"s": {"url": "http://x/sse", "type": "sse"}}}"#, "old SSE transport"),
        (#"{"mcpServers": {"s": {"command": "x", "args": [1]}}}"#, "list of strings"),
    ])
    func malformed(text: String, expected: String) {
        let error = #expect(throws: NexusError.self) { try MCPServersFile.parse(text, source: "home/mcp.json", environment: [:]) }
        #expect(error?.message.contains("home/mcp.json") == true)
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
    }

    @Test("a policy names the MCP servers it allows; none by default")
    func policyKey() throws {
        #expect(!CapabilityPolicy.default.allowsMCPServer("files"))
        let policy = try PolicyFile.parse("mcp = [\"files\"]\n", format: .toml, source: "p.toml")
        #expect(policy.allowsMCPServer("files") && !policy.allowsMCPServer("search"))
        #expect(try PolicyFile.parse(PolicyFile.toml(policy), format: .toml, source: "round.toml") == policy)
        let bad = #expect(throws: NexusError.self) { try PolicyFile.parse("mcp = [\"a.b\"]\n", format: .toml, source: "p.toml") }
        #expect(bad?.message.contains("not an MCP server name") == true)
        let flags = PolicyOverrides(mcpServers: ["search"]).applied(to: policy)
        #expect(flags.mcpServers == ["files", "search"])
    }

    @Test("a policy that names a server mcp.json lacks is refused before anything starts")
    func unknownServer() async throws {
        let home = try Self.home(withFile: #"{"mcpServers": {"files": {"command": "true"}}}"#)
        defer { try? FileManager.default.removeItem(at: home) }
        let error = await #expect(throws: NexusError.self) {
            _ = try await MCPClientTools.start(home: home, policy: CapabilityPolicy(mcpServers: ["ghost"]))
        }
        #expect(error?.message.contains("'ghost'") == true && error?.message.contains("files") == true)
        // No server named, nothing started, no file read.
        let none = try await MCPClientTools.start(home: home, policy: .default)
        #expect(none.tools.isEmpty)
    }

    @Test("a server that exits at once costs only itself: it is reported, not thrown, and never ends Nexus with SIGPIPE")
    func serverThatCannotStart() async throws {
        let home = try Self.home(withFile: #"{"mcpServers": {"broken": {"command": "false"}}}"#)
        defer { try? FileManager.default.removeItem(at: home) }
        // Whether the initialize request is written before or after the exit is a race; ten
        // tries see both. A write after the exit once killed the whole process.
        for _ in 0..<10 {
            let started = try await MCPClientTools.start(home: home, policy: CapabilityPolicy(mcpServers: ["broken"]), startSeconds: 5)
            #expect(started.tools.isEmpty)
            #expect(started.problems.count == 1 && started.problems[0].contains("'broken' exited before it answered"), "\(started.problems)")
            await started.stop()
        }
    }

    /// A fresh home holding this `mcp.json`.
    private static func home(withFile text: String) throws -> URL {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-mcp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        try text.write(to: MCPServersFile.url(home: home), atomically: true, encoding: .utf8)
        return home
    }
}
