import Foundation
import NexusCore
import NexusLua
import NexusStore
import NexusTools

/// The host side of one module call: `nexus.call` through the tool registry under the narrowed
/// policy (or to another installed module), credentials the module declared and the caller
/// passes, and dependencies from the graph.
final class ModuleCallHost: LuaHost, @unchecked Sendable {
    private let runtime: ModuleRuntime
    private let manifest: ModuleManifest
    private let dependencies: [String: ModuleRecord]
    private let context: ToolContext
    private let callerPolicy: CapabilityPolicy
    private let fixture: ModuleFixture?
    private let depth: Int
    private let deadline: Date
    private var callCount = 0
    /// The next recorded call a replayed test compares with.
    private var replayPosition = 0

    init(runtime: ModuleRuntime, manifest: ModuleManifest, dependencies: [String: ModuleRecord], context: ToolContext,
         callerPolicy: CapabilityPolicy, fixture: ModuleFixture?, depth: Int, deadline: Date) {
        self.runtime = runtime
        self.manifest = manifest
        self.dependencies = dependencies
        self.context = context
        self.callerPolicy = callerPolicy
        self.fixture = fixture
        self.depth = depth
        self.deadline = deadline
    }

    func callTool(_ name: String, arguments: JSONValue) -> Result<String, LuaHostFailure> {
        guard manifest.capabilities.tools.contains(name) else {
            return .failure(LuaHostFailure("module \(manifest.name) did not declare the tool '\(name)' in capabilities.tools", refused: true))
        }
        if let canned = fixture?.tools[name] {
            return Self.result(canned, tool: name)
        }
        callCount += 1
        if let recorded = fixture?.calls, !recorded.isEmpty {
            return replay(name, arguments: arguments, recorded: recorded)
        }
        if let server = MCPServerName.server(ofTool: name) {
            guard context.policy.allowsMCPServer(server) else {
                return .failure(LuaHostFailure("\(name) is a tool of the MCP server '\(server)', which the caller's policy does not allow (mcp = [\"\(server)\"] or --allow-mcp \(server))", refused: true))
            }
            guard runtime.tools.tool(named: name) != nil else {
                return .failure(LuaHostFailure("the MCP server '\(server)' has no tool '\(name.dropFirst(server.count + 1))', or it did not start (see the warnings and $NEXUS_HOME/logs/mcp-\(server).log)"))
            }
        }
        let call = ToolCall(id: "module-\(manifest.name)-\(callCount)", name: name, arguments: arguments)
        let runtime = runtime, context = context, depth = depth
        let result: ToolResult? = wait { () async -> ToolResult in
            if runtime.tools.tool(named: name) != nil {
                return await runtime.tools.call(call, context: context).result
            }
            return await ModuleCallDepth.$current.withValue(depth + 1) {
                await runtime.runInstalled(name: name, input: arguments, context: context).toolResult
            }
        }
        guard let result else {
            return .failure(LuaHostFailure("nexus.call(\"\(name)\") did not finish before the module's time limit"))
        }
        return Self.result(result, tool: name)
    }

    /// The next call of a recorded trace, when this call is the same. Recorded observations
    /// (reads, listings) the module does not make are passed over: a program keeps only the
    /// looks whose results it uses. A change is never passed over.
    private func replay(_ name: String, arguments: JSONValue, recorded: [RecordedToolCall]) -> Result<String, LuaHostFailure> {
        var passedOver: RecordedToolCall?
        while replayPosition < recorded.count {
            let expected = recorded[replayPosition]
            replayPosition += 1
            if expected.tool == name, expected.arguments == arguments {
                return Self.result(expected.result, tool: name)
            }
            passedOver = passedOver ?? expected
            if !runtime.tools.onlyObserves(expected.tool) { break }
        }
        guard let expected = passedOver else {
            return .failure(LuaHostFailure("call \(callCount) (\(name)) is one more than the \(recorded.count) of the recorded trace"))
        }
        return .failure(LuaHostFailure("call \(callCount) differs from the recorded trace: it was \(expected.tool) \(expected.arguments.jsonText.prefix(200)), now \(name) \(arguments.jsonText.prefix(200))"))
    }

    func credential(_ name: String) -> Result<String, LuaHostFailure> {
        guard manifest.capabilities.env.contains(name) else {
            return .failure(LuaHostFailure("module \(manifest.name) did not declare the credential '\(name)' in capabilities.env", refused: true))
        }
        if let value = fixture?.env[name] { return .success(value) }
        guard callerPolicy.environment.contains(name) else {
            return .failure(LuaHostFailure("the policy does not pass '\(name)' (allow it with --pass-env \(name) or env in the policy file)", refused: true))
        }
        do {
            if let stored = try runtime.credentials?.use(name, for: "module \(manifest.name)@\(manifest.version)") { return .success(stored) }
        } catch let error as NexusError {
            return .failure(LuaHostFailure(error.message))
        } catch {
            return .failure(LuaHostFailure("the credential \(name) cannot be read"))
        }
        guard let value = runtime.environment[name] else {
            return .failure(LuaHostFailure("the credential \(name) is neither stored (`nexus credentials set \(name)`) nor set in Nexus's environment"))
        }
        return .success(value)
    }

    func dependency(_ name: String) -> Result<(id: String, code: String), LuaHostFailure> {
        guard let record = dependencies[name] else {
            return .failure(LuaHostFailure("module \(manifest.name) did not declare '\(name)' in its dependencies", refused: true))
        }
        return .success((record.id, record.code))
    }

    private static func result(_ result: ToolResult, tool: String) -> Result<String, LuaHostFailure> {
        switch result.status {
        case .ok: .success(result.content)
        case .refused: .failure(LuaHostFailure("\(tool) refused: \(result.content)", refused: true))
        case .error: .failure(LuaHostFailure("\(tool) failed: \(result.content)"))
        }
    }

    /// Runs `work` as a task and blocks this (Lua) thread until it finishes or the deadline
    /// passes; returns nil on timeout, after cancelling the task.
    private func wait<T: Sendable>(_ work: @escaping @Sendable () async -> T) -> T? {
        let box = ResultBox<T>()
        let semaphore = DispatchSemaphore(value: 0)
        let task = Task {
            box.value = await work()
            semaphore.signal()
        }
        let remaining = max(0, deadline.timeIntervalSinceNow)
        if semaphore.wait(timeout: .now() + remaining) == .timedOut {
            task.cancel()
            return nil
        }
        return box.value
    }
}

private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
