import Foundation
import NexusCore
import NexusTools
import Testing

/// A tool whose behaviour the test chooses.
private struct ScriptedTool: Tool {
    var name = "echo"
    var parameters: JSONValue = [
        "type": "object",
        "properties": ["text": ["type": "string"], "times": ["type": "integer", "minimum": 1]],
        "required": ["text"],
        "additionalProperties": false,
    ]
    var behaviour: @Sendable (JSONValue) async throws -> ToolResult = { arguments in .ok(arguments["text"]?.stringValue ?? "") }

    var definition: ToolDefinition { ToolDefinition(name: name, description: "Echo the text.", parameters: parameters) }

    func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        try await behaviour(arguments)
    }
}

private func call(_ name: String, _ arguments: JSONValue) -> ToolCall {
    ToolCall(id: "call-1", name: name, arguments: arguments)
}

private let context = ToolContext(workspace: URL(fileURLWithPath: "/nonexistent-workspace"), policy: .default)

@Suite struct RegistryTests {
    @Test func definitionsKeepRegistrationOrder() throws {
        let registry = try ToolRegistry([ScriptedTool(name: "b"), ScriptedTool(name: "a")])
        #expect(registry.definitions.map(\.name) == ["b", "a"])
        #expect(registry.tool(named: "a")?.definition.name == "a")
        #expect(registry.tool(named: "c") == nil)
        let larger = try registry.adding([ScriptedTool(name: "c")])
        #expect(larger.names == ["b", "a", "c"])
    }

    @Test func everyBuiltInToolRegisters() throws {
        let registry = try ToolRegistry([FilesystemListTool(), FilesystemReadTool(), FilesystemWriteTool(), FilesystemSearchTool(), WebFetchTool()])
        #expect(registry.names == ["filesystem_list", "filesystem_read", "filesystem_write", "filesystem_search", "web_fetch"])
    }

    @Test func duplicateNamesFailAtStartup() {
        #expect(throws: NexusError.self) { try ToolRegistry([ScriptedTool(), ScriptedTool()]) }
        do {
            _ = try ToolRegistry([ScriptedTool(), ScriptedTool()])
        } catch let error as NexusError {
            #expect(error.message == "two tools are named 'echo'; tool names must be unique")
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(throws: NexusError.self) { try ToolRegistry([ScriptedTool()]).adding([ScriptedTool()]) }
    }

    @Test func schemasThatJSONSchemaRejectsFailAtStartupNamingTheTool() {
        let cases: [(JSONValue, String)] = [
            (["type": "object", "properties": ["x": ["type": "number", "minimum": 0]]], "minimum"),
            (["type": "object", "patternProperties": ["^a": ["type": "string"]]], "patternProperties"),
            (["type": "object", "required": "x"], "required"),
            (["type": "string"], "\"type\": \"object\""),
        ]
        for (schema, mentioned) in cases {
            do {
                _ = try ToolRegistry([ScriptedTool(name: "broken", parameters: schema)])
                Issue.record("accepted \(schema.jsonText)")
            } catch let error as NexusError {
                #expect(error.message.hasPrefix("the parameters schema of tool 'broken'"), "\(error.message)")
                #expect(error.message.contains(mentioned), "\(error.message)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func badNamesFailAtStartup() {
        for name in ["", "has space", String(repeating: "x", count: 65), "slash/not/allowed", "colon:no"] {
            #expect(throws: NexusError.self) { try ToolRegistry([ScriptedTool(name: name)]) }
        }
    }

    @Test func unknownToolsListTheAvailableOnes() async throws {
        let registry = try ToolRegistry([FilesystemReadTool(), FilesystemWriteTool()])
        let outcome = await registry.call(call("read_file", ["path": "a"]), context: context)
        #expect(outcome.result == .error("unknown tool 'read_file'; available tools: filesystem_read, filesystem_write; did you mean 'filesystem_read'?"))
        let other = await registry.call(call("launch", [:]), context: context)
        #expect(other.result == .error("unknown tool 'launch'; available tools: filesystem_read, filesystem_write"))
    }

    @Test func invalidArgumentsSayWhatWasWrongAndTheExpectedShape() async throws {
        let registry = try ToolRegistry([ScriptedTool()])
        let missing = await registry.call(call("echo", ["times": 0]), context: context)
        #expect(missing.result.status == .error)
        #expect(missing.result.content == """
            invalid arguments for echo: $: missing required property 'text'; $.times: must be at least 1, got 0. \
            Expected arguments: {"text": string, "times"?: integer}
            """)
        let extra = await registry.call(call("echo", ["text": 3, "loud": true]), context: context)
        #expect(extra.result.content.contains("$.text: expected a string, got number 3"))
        #expect(extra.result.content.contains("unexpected property 'loud'"))

        let fileTools = try ToolRegistry([FilesystemWriteTool()])
        let badMode = await fileTools.call(call("filesystem_write", ["path": "a", "content": "b", "mode": "replace"]), context: context)
        #expect(badMode.result.content.contains(#"$.mode: must be one of "overwrite", "append", "create", got string "replace""#))
        #expect(badMode.result.content.hasSuffix(#"Expected arguments: {"path": string, "content": string, "mode"?: "overwrite"|"append"|"create"}"#))
    }

    @Test func thrownErrorsBecomeOneLineErrorResults() async throws {
        let registry = try ToolRegistry([
            ScriptedTool(behaviour: { _ in throw NexusError(.ioError, "disk on fire\nsecond line") }),
            ScriptedTool(name: "other", behaviour: { _ in throw CancellationError() }),
        ])
        let outcome = await registry.call(call("echo", ["text": "x"]), context: context)
        #expect(outcome.result == .error("echo failed: disk on fire second line"))
        let cancelled = await registry.call(call("other", ["text": "x"]), context: context)
        #expect(cancelled.result == .error("other failed: cancelled"))
    }

    @Test func outputIsCutToThePolicyLimitAtACharacterBoundary() async throws {
        let registry = try ToolRegistry([ScriptedTool(behaviour: { _ in .ok(String(repeating: "é", count: 5000)) })])
        var policy = CapabilityPolicy.default
        policy.limits.outputBytes = 1001
        let outcome = await registry.call(call("echo", ["text": "x"]), context: ToolContext(workspace: context.workspace, policy: policy))
        #expect(outcome.result.truncated)
        #expect(outcome.result.status == .ok)
        #expect(outcome.result.content.utf8.count <= 1001)
        #expect(outcome.result.content.hasSuffix("\n[output truncated: 10000 bytes, the policy allows 1001 per tool call]"))
        #expect(!outcome.result.content.contains("\u{FFFD}"))

        let small = try ToolRegistry([ScriptedTool()])
        let untouched = await small.call(call("echo", ["text": "short"]), context: context)
        #expect(untouched.result == .ok("short"))
    }

    @Test func durationIsMeasured() async throws {
        let registry = try ToolRegistry([ScriptedTool(behaviour: { _ in
            try await Task.sleep(for: .milliseconds(60))
            return .ok("done")
        })])
        let outcome = await registry.call(call("echo", ["text": "x"]), context: context)
        #expect(outcome.duration >= 0.06)
        #expect(outcome.duration < 5)
    }
}
