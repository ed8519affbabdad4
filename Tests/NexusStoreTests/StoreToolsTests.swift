import Foundation
import NexusCore
import NexusStore
import NexusTools
import Testing

@Suite struct StoreToolsTests {
    let database: NexusDatabase

    init() throws {
        database = try NexusDatabase.inMemory()
    }

    func context(_ workspace: URL = URL(fileURLWithPath: "/tmp"), policy: CapabilityPolicy = .default, runID: String? = nil) -> ToolContext {
        ToolContext(workspace: workspace, policy: policy, runID: runID)
    }

    @Test func schemasUseOnlySupportedKeywords() throws {
        let tools: [any Tool] = [MemoryStoreTool(database: database), MemorySearchTool(database: database),
                                 SelfModifyTool(database: database), DatabaseQueryTool()]
        #expect(tools.map(\.definition.name) == ["memory_store", "memory_search", "self_modify", "database_query"])
        for tool in tools {
            #expect(throws: Never.self) { _ = try JSONSchema(tool.definition.parameters) }
        }
    }

    @Test func memoryStoreThenSearch() async throws {
        let store = MemoryStoreTool(database: database)
        let search = MemorySearchTool(database: database)
        let stored = try await store.run(["content": "The staging server is staging.internal:8080", "tags": ["servers"]],
                                         context: context(runID: "run_abc"))
        #expect(stored.status == .ok)
        _ = try await store.run(["content": "Lunch is at noon"], context: context())
        let found = try await search.run(["query": "which staging server?", "limit": 1], context: context())
        #expect(found.status == .ok)
        let items = try JSONValue.parse(found.content).arrayValue ?? []
        #expect(items.count == 1)
        #expect(items.first?["content"] == "The staging server is staging.internal:8080")
        #expect(items.first?["source"] == "run:run_abc")
        #expect(items.first?["tags"] == ["servers"])
        #expect(try MemoryStore(database: database).list().first?.source == "tool:memory_store")

        let none = try await search.run(["query": "\" AND * NEAR("], context: context())
        #expect(none.status == .ok)
        let blank = try await store.run(["content": "   "], context: context())
        #expect(blank.status == .error)
    }

    @Test func memorySearchStaysWithinTheOutputLimit() async throws {
        let store = MemoryStore(database: database)
        for index in 0..<10 {
            _ = try store.add("report \(index): " + String(repeating: "detail ", count: 50), source: "user")
        }
        var policy = CapabilityPolicy.default
        policy.limits.outputBytes = 1000
        let found = try await MemorySearchTool(database: database).run(["query": "report detail", "limit": 10], context: context(policy: policy))
        #expect(found.truncated)
        #expect(found.content.utf8.count <= 1000)
        #expect((try JSONValue.parse(found.content).arrayValue ?? []).count >= 1)
    }

    @Test func selfModifySetGetHistoryRollback() async throws {
        let tool = SelfModifyTool(database: database)
        let ctx = context(runID: "run_self")
        let first = try await tool.run(["key": "soul", "value": "curious", "reason": "first identity"], context: ctx)
        #expect(first.status == .ok)
        let second = try await tool.run(["action": "set", "key": "soul", "value": "careful", "reason": "fewer mistakes"], context: ctx)
        #expect(second.content.contains("version 2") && second.content.contains("\"version\": 1"))
        let rollback = try await tool.run(["action": "rollback", "key": "soul", "version": 1], context: ctx)
        #expect(rollback.status == .ok)
        let get = try await tool.run(["action": "get", "key": "soul"], context: ctx)
        #expect(get.content.hasSuffix("curious") && get.content.contains("version 3"))
        let history = try await tool.run(["action": "history", "key": "soul"], context: ctx)
        #expect(history.content.split(separator: "\n").count == 3)
        #expect(history.content.contains("run:run_self"))

        let badKey = try await tool.run(["key": "tools.shell", "value": "x", "reason": "y"], context: ctx)
        #expect(badKey.status == .error && badKey.content.contains("settings.<name>"))
        let noReason = try await tool.run(["key": "system_prompt", "value": "x"], context: ctx)
        #expect(noReason.status == .error && noReason.content.contains("reason"))
        let noVersion = try await tool.run(["action": "rollback", "key": "soul", "version": 9], context: ctx)
        #expect(noVersion.status == .error && noVersion.content.contains("no version 9"))
        #expect(try SelfModificationStore(database: database).history(key: "soul").count == 3)
    }

    @Test func databaseQueryFollowsThePolicy() async throws {
        try await withTemporaryFolder { workspace in
            let data = workspace.appendingPathComponent("data", isDirectory: true)
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            let path = try ExternalDatabaseTests.makeDatabase(in: data)
            let tool = DatabaseQueryTool()
            var policy = CapabilityPolicy(readablePaths: ["."], writablePaths: ["out"], databases: ["data/people.db"])

            let select = try await tool.run(["database": "data/people.db", "sql": "SELECT name FROM people WHERE id = ?", "parameters": [2]],
                                            context: context(workspace, policy: policy))
            #expect(select.status == .ok)
            #expect(try JSONValue.parse(select.content)["rows"] == [["name": "Brian"]])

            let insert = try await tool.run(["database": "data/people.db", "sql": "INSERT INTO people (name) VALUES ('Eve')"],
                                            context: context(workspace, policy: policy))
            #expect(insert.status == .refused)
            #expect(insert.content.contains("read-only") && insert.content.contains("writablePaths"))

            let notListed = try await tool.run(["database": "secret.db", "sql": "SELECT 1"], context: context(workspace, policy: policy))
            #expect(notListed.status == .refused && notListed.content.contains("policy.databases"))
            let climbing = try await tool.run(["database": "data/../data/../../people.db", "sql": "SELECT 1"], context: context(workspace, policy: policy))
            #expect(climbing.status == .refused)

            // A link inside an allowed folder that points at a file the policy does not list.
            let outside = workspace.appendingPathComponent("outside.db").path
            _ = try ExternalDatabase.query(path: outside, sql: "CREATE TABLE secrets (x)", readOnly: false, maxBytes: 100)
            try FileManager.default.createSymbolicLink(atPath: data.appendingPathComponent("link.db").path, withDestinationPath: outside)
            try FileManager.default.createSymbolicLink(atPath: data.appendingPathComponent("dangling.db").path,
                                                       withDestinationPath: workspace.appendingPathComponent("created.db").path)
            policy.databases = ["data"]
            let linked = try await tool.run(["database": "data/link.db", "sql": "SELECT * FROM secrets"], context: context(workspace, policy: policy))
            #expect(linked.status == .refused)
            policy.writablePaths = ["."]
            let dangling = try await tool.run(["database": "data/dangling.db", "sql": "CREATE TABLE t (x)"], context: context(workspace, policy: policy))
            #expect(dangling.status == .refused)
            #expect(!FileManager.default.fileExists(atPath: workspace.appendingPathComponent("created.db").path))

            // A listed folder covers its files; under writablePaths the database is writable.
            let write = try await tool.run(["database": .string(path), "sql": "INSERT INTO people (name) VALUES (?)", "parameters": ["Eve"]],
                                           context: context(workspace, policy: policy))
            #expect(write.status == .ok)
            #expect(try JSONValue.parse(write.content)["changes"] == 1)

            let broken = try await tool.run(["database": "data/people.db", "sql": "SELECT * FROM nowhere"], context: context(workspace, policy: policy))
            #expect(broken.status == .error && broken.content.contains("no such table"))

            policy.limits.outputBytes = 300
            let big = try await tool.run(["database": "data/people.db",
                                          "sql": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) SELECT i FROM n"],
                                         context: context(workspace, policy: policy))
            #expect(big.status == .ok && big.truncated && big.content.utf8.count <= 300)
        }
    }
}
