public import Foundation
public import NexusCore
public import NexusStore
public import NexusTools

/// Runs module versions in the Lua sandbox: loads the version from the graph (checking its bytes
/// against its content id), validates the input, narrows the caller's policy to the manifest's
/// capabilities, gives `nexus.call` the built-in tools and other installed modules, and checks
/// the output against the manifest's schema.
///
/// ```swift
/// let runtime = ModuleRuntime(database: database, tools: builtIns, environment: environment)
/// let result = await runtime.runInstalled(name: "word_count", input: ["paths": ["a.txt"]], context: context)
/// ```
public struct ModuleRuntime: Sendable {
    let database: NexusDatabase
    let modules: ModuleStore
    /// The tools a module may reach with `nexus.call` (besides other installed modules).
    public let tools: ToolRegistry
    /// Where `nexus.credential(NAME)` values come from (the process environment, as read by the
    /// runtime's configuration).
    let environment: [String: String]
    /// Stored secrets, which `nexus.credential(NAME)` prefers to the environment's; nil during
    /// validation, which never sees a real secret.
    let credentials: CredentialStore?
    /// The most any module may ask for.
    public let maxLimits: ModuleLimits
    /// The process each call runs in.
    public let worker: LuaWorker
    /// Builds the same tools over another home (its own database and ledger key): validation
    /// runs a module's tests against a throwaway one. Without it, tests get canned results only.
    public let toolsForHome: ToolFactory?
    /// The deepest chain of modules calling modules.
    public static let maxCallDepth = 8

    /// Builds the tools of `nexus.call` over the database and home given.
    public typealias ToolFactory = @Sendable (_ database: NexusDatabase, _ home: URL) throws -> ToolRegistry

    /// - Parameters:
    ///   - database: Where modules are stored.
    ///   - tools: What `nexus.call` reaches (besides installed modules).
    ///   - environment: Where `nexus.credential` values come from.
    ///   - maxLimits: The most any module may ask for.
    ///   - worker: The worker program every call runs in (by default, beside the running one).
    ///   - toolsForHome: The same tools over a throwaway home, for validation.
    ///   - credentials: Stored secrets for `nexus.credential`, looked up before `environment`.
    public init(database: NexusDatabase, tools: ToolRegistry, environment: [String: String] = [:], maxLimits: ModuleLimits = .default,
                worker: LuaWorker = .besideExecutable, toolsForHome: ToolFactory? = nil, credentials: CredentialStore? = nil) {
        self.database = database
        self.modules = ModuleStore(database: database)
        self.tools = tools
        self.environment = environment
        self.maxLimits = maxLimits
        self.worker = worker
        self.toolsForHome = toolsForHome
        self.credentials = credentials
    }

    /// The same runtime with other tools and credentials: what validation runs tests with.
    func replacing(tools: ToolRegistry, environment: [String: String]) -> ModuleRuntime {
        ModuleRuntime(database: database, tools: tools, environment: environment, maxLimits: maxLimits, worker: worker, toolsForHome: nil)
    }

    /// One tool per installed module name, each running whichever version is active at call time.
    /// - Throws: `NexusError(.databaseFailed)` when the installs cannot be read.
    public func installedTools() throws -> [ModuleTool] {
        try modules.activeAll().compactMap { install in
            guard let record = try modules.module(id: install.moduleID), let manifest = try? ModuleManifest(json: JSONValue.parse(record.manifest)),
                  tools.tool(named: install.name) == nil else { return nil }
            return ModuleTool(name: install.name, description: manifest.description, parameters: manifest.input,
                              outputSchema: manifest.output, onlyObserves: onlyObserves(manifest.capabilities), runtime: self)
        }
    }

    /// Whether a module with these capabilities can only find things out: it may call only tools
    /// that observe, and declares no writes, commands, network or databases. Such a module is
    /// offered for questions, like the built-in tools that observe.
    func onlyObserves(_ capabilities: ModuleCapabilities) -> Bool {
        capabilities.write.isEmpty && capabilities.commands.isEmpty && capabilities.network.isEmpty && capabilities.databases.isEmpty
            && capabilities.tools.allSatisfy(tools.onlyObserves)
    }

    /// Runs the active version of `name`.
    public func runInstalled(name: String, input: JSONValue, context: ToolContext) async -> ModuleCallResult {
        do {
            guard let install = try modules.active(name: name) else {
                return .failed(LuaFailure(.error("module \(name) is not installed; install it with `nexus modules install \(name)`")), moduleID: nil)
            }
            // The pointer must be where a signed install or rollback put it: a row added with SQL is not obeyed.
            guard try SignedLedger(database: database, home: nil).isSigned(install) else {
                return .failed(LuaFailure(.error("the active version \(install.moduleID.prefix(16)) of \(name) has no signed install in the ledger; it was changed outside Nexus. Run `nexus verify`, then `nexus modules install \(name)`")), moduleID: nil)
            }
            guard let record = try modules.module(id: install.moduleID) else {
                return .failed(LuaFailure(.error("the active version \(install.moduleID) of \(name) is missing from the graph; run `nexus verify`")), moduleID: nil)
            }
            return await run(record, input: input, context: context)
        } catch {
            return .failed(LuaFailure(.error("cannot load module \(name): \(error)")), moduleID: nil)
        }
    }

    /// Runs one stored version.
    /// - Parameters:
    ///   - record: The version, as stored; its bytes must match its id.
    ///   - input: The argument of `run`, checked against the manifest's input schema.
    ///   - context: The caller's workspace and policy (narrowed here to the declared capabilities).
    ///   - fixture: Canned tool results and credentials, for the module's own test cases.
    public func run(_ record: ModuleRecord, input: JSONValue, context: ToolContext, fixture: ModuleFixture? = nil) async -> ModuleCallResult {
        let clock = ContinuousClock()
        let start = clock.now
        var result = await execute(record, input: input, context: context, fixture: fixture)
        result.seconds = start.duration(to: clock.now).inSeconds
        return result
    }

    private func execute(_ record: ModuleRecord, input: JSONValue, context: ToolContext, fixture: ModuleFixture?) async -> ModuleCallResult {
        let failed = { (message: String) in ModuleCallResult.failed(LuaFailure(.error(message)), moduleID: record.id) }
        guard ContentID.module(canonicalManifest: record.manifest, code: record.code) == record.id else {
            return .failed(LuaFailure(.refused("the bytes of module \(record.name)@\(record.version) no longer match its content id \(record.id); it was altered after it was stored (run `nexus verify`)")), moduleID: record.id)
        }
        let manifest: ModuleManifest
        do {
            manifest = try ModuleManifest(json: JSONValue.parse(record.manifest))
        } catch {
            return failed("the manifest of \(record.name) cannot be read: \(error)")
        }
        let depth = ModuleCallDepth.current
        guard depth < Self.maxCallDepth else {
            return failed("modules called each other more than \(Self.maxCallDepth) levels deep (\(record.name)); check for a cycle")
        }
        do {
            let violations = try JSONSchema(manifest.input).validate(input)
            if !violations.isEmpty {
                return failed("invalid input for \(manifest.name): " + violations.prefix(5).map(\.description).joined(separator: "; "))
            }
        } catch {
            return failed("the input schema of \(manifest.name) is not usable: \(error)")
        }
        let dependencies: [String: ModuleRecord]
        do {
            dependencies = try DependencyResolver(modules: modules).closure(of: manifest)
        } catch let error as NexusError {
            return failed(error.message)
        } catch {
            return failed("\(error)")
        }
        var narrowed = context
        narrowed.policy = manifest.capabilities.narrowing(context.policy, workspace: context.workspace)
        var limits = manifest.limits.capped(by: maxLimits)
        limits.seconds = min(limits.seconds, context.policy.limits.wallSeconds)
        let host = ModuleCallHost(runtime: self, manifest: manifest, dependencies: dependencies, context: narrowed, callerPolicy: context.policy,
                                  fixture: fixture, depth: depth, deadline: Date().addingTimeInterval(limits.seconds))
        let request = LuaRunRequest(code: record.code, id: record.id, input: input, instructions: limits.instructions,
                                    memoryBytes: limits.memoryBytes, seconds: limits.seconds)
        let outcome = await worker.run(request, host: host, module: "\(record.name)@\(record.version)")
        var result = ModuleCallResult(moduleID: record.id, outcome: outcome.result, logs: outcome.logs, instructions: outcome.instructions,
                                      peakMemory: outcome.peakMemory, seconds: 0)
        if case .success(let output) = outcome.result, let schema = try? JSONSchema(manifest.output) {
            let violations: [SchemaViolation] = schema.validate(output)
            if !violations.isEmpty {
                let listed = violations.prefix(5).map { $0.description }.joined(separator: "; ")
                result.outcome = Result<JSONValue, LuaFailure>.failure(LuaFailure(.badResult("the output does not match the output schema: \(listed)")))
            }
        }
        return result
    }
}

/// What one module call produced.
public struct ModuleCallResult: Sendable {
    /// The version that ran, when one was found.
    public var moduleID: String?
    public var outcome: Result<JSONValue, LuaFailure>
    public var logs: [String]
    public var instructions: Int
    public var peakMemory: Int
    public var seconds: Double

    static func failed(_ failure: LuaFailure, moduleID: String?) -> ModuleCallResult {
        ModuleCallResult(moduleID: moduleID, outcome: .failure(failure), logs: [], instructions: 0, peakMemory: 0, seconds: 0)
    }

    /// The result as a tool result: the output's JSON text, or the failure as `.error` (or
    /// `.refused` when the module reached for something it may not).
    public var toolResult: ToolResult {
        switch outcome {
        case .success(let value): return .ok(value.jsonText)
        case .failure(let failure):
            if case .refused = failure.failure { return .refused(failure.description) }
            return .error(failure.description)
        }
    }
}

/// Canned tool results and credentials for a module's test case.
public struct ModuleFixture: Sendable {
    public var tools: [String: ToolResult]
    public var env: [String: String]
    /// When not empty, every tool call must be the next of these (same tool and arguments) and
    /// gets its recorded result; nothing is run.
    public var calls: [RecordedToolCall]

    public init(tools: [String: ToolResult] = [:], env: [String: String] = [:], calls: [RecordedToolCall] = []) {
        self.tools = tools
        self.env = env
        self.calls = calls
    }
}

/// How deep the current chain of module calls is.
enum ModuleCallDepth {
    @TaskLocal static var current = 0
}
