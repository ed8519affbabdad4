import Foundation
import NexusCore
import NexusModules
import NexusStore
import NexusTools

/// A fresh `$NEXUS_HOME` for one test: a database file, the ledger key, the module runtime with
/// a few built-in tools, and the lifecycle. Removed by `remove()`.
struct ModuleTestHome {
    let url: URL
    let workspace: URL
    let database: NexusDatabase
    let runtime: ModuleRuntime
    let ledger: Ledger
    let lifecycle: ModuleLifecycle

    /// - Parameter extraTools: tools beside the built-in ones (as another MCP server's tools are).
    ///   and `storedCredentials`: secrets put in the home's credential store for `nexus.credential`.
    init(environment: [String: String] = [:], limits: ModuleLimits = .default, extraTools: [any Tool] = [],
         storedCredentials: [String: String] = [:]) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-modules-tests-\(UUID().uuidString)", isDirectory: true)
            .resolvingSymlinksInPath()
        workspace = url.appendingPathComponent("workspace", isDirectory: true)
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        database = try NexusDatabase.open(at: url.appendingPathComponent("nexus.db"))
        let credentials = CredentialStore(database: database, home: url)
        for (name, value) in storedCredentials { try credentials.set(name, value: value) }
        runtime = ModuleRuntime(database: database, tools: try Self.tools(database: database, home: url).adding(extraTools), environment: environment, maxLimits: limits,
                                toolsForHome: { database, home in try Self.tools(database: database, home: home) }, credentials: credentials)
        ledger = Ledger(database: database, home: url)
        lifecycle = ModuleLifecycle(runtime: runtime, ledger: ledger)
    }

    /// The built-in tools a module test reaches, over one home.
    static func tools(database: NexusDatabase, home: URL) throws -> ToolRegistry {
        try ToolRegistry([FilesystemReadTool(), FilesystemListTool(), FilesystemWriteTool(), WebFetchTool(),
                          SelfModifyTool(database: database, recorder: Ledger(database: database, home: home))])
    }

    var databasePath: String { url.appendingPathComponent("nexus.db").path }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }

    /// A context in the test workspace under the default policy.
    func context(_ change: (inout CapabilityPolicy) -> Void = { _ in }) -> ToolContext {
        var policy = CapabilityPolicy.default
        change(&policy)
        return ToolContext(workspace: workspace, policy: policy)
    }

    /// Stores a draft whose `run` body is `body`.
    @discardableResult
    func draft(_ name: String, version: String = "1.0.0", body: String, capabilities: JSONValue = [:], dependencies: JSONValue = [:],
               output: JSONValue = [:], tests: JSONValue? = nil, code: String? = nil, limits: JSONValue = [:]) throws -> ModuleRecord {
        let manifest: JSONValue = [
            "limits": limits,
            "name": .string(name), "version": .string(version), "description": "A test module.",
            "input": ["type": "object"], "output": output, "capabilities": capabilities, "dependencies": dependencies,
            "tests": tests ?? [["name": "runs", "input": [:]]],
        ]
        let source = code ?? "\nlocal M = {}\nfunction M.run(input)\n\(body)\nend\nreturn M\n"
        return try lifecycle.createDraft(manifest: manifest, code: source, actor: "test").record
    }

    /// Drafts, validates, promotes and installs; returns the promoted version.
    @discardableResult
    func release(_ name: String, version: String = "1.0.0", body: String, capabilities: JSONValue = [:], dependencies: JSONValue = [:],
                 tests: JSONValue? = nil, code: String? = nil) async throws -> ModuleRecord {
        try draft(name, version: version, body: body, capabilities: capabilities, dependencies: dependencies, tests: tests, code: code)
        let report = try await lifecycle.validate(name)
        guard report.passed else { throw NexusError(.lifecycleRefused, "validation failed: \(report.failures.map(\.message))") }
        let promoted = try lifecycle.promote(name, actor: "test")
        try lifecycle.install("\(name)@\(version)", actor: "test")
        return promoted
    }

    /// Runs one raw SQL statement on the database file, as an attacker with file access would.
    func sql(_ statement: String) throws {
        _ = try ExternalDatabase.query(path: databasePath, sql: statement, readOnly: false, maxBytes: 1 << 20)
    }
}

extension ModuleCallResult {
    var output: JSONValue? {
        if case .success(let value) = outcome { return value }
        return nil
    }

    var failure: LuaOutcome.Failure? {
        if case .failure(let failure) = outcome { return failure.failure }
        return nil
    }
}
