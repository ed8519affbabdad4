import Foundation
import NexusCore
import NexusStore
import NexusTools
import Testing

@Suite struct ExternalDatabaseTests {
    /// A database with a `people` table of three rows.
    static func makeDatabase(in folder: URL) throws -> String {
        let path = folder.appendingPathComponent("people.db").path
        _ = try ExternalDatabase.query(path: path, sql: "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, score REAL, photo BLOB)",
                                       readOnly: false, maxBytes: 1000)
        for (name, score) in [("Ada", 9.5), ("Brian", 7.0), ("Chen", 8.25)] {
            _ = try ExternalDatabase.query(path: path, sql: "INSERT INTO people (name, score) VALUES (?, ?)",
                                           parameters: [.string(name), .number(score)], readOnly: false, maxBytes: 1000)
        }
        return path
    }

    @Test func selectsRowsAsJSONWithParameters() throws {
        try withTemporaryFolder { folder in
            let path = try Self.makeDatabase(in: folder)
            let result = try ExternalDatabase.query(path: path, sql: "SELECT id, name, score FROM people WHERE score > ? ORDER BY id",
                                                    parameters: [8], readOnly: true, maxBytes: 10_000)
            #expect(result.columns == ["id", "name", "score"])
            #expect(result.rows.map { $0["name"] } == ["Ada", "Chen"])
            #expect(result.rows[1]["score"] == 8.25)
            #expect(!result.truncated && result.changes == 0)
            #expect(result.jsonValue["row_count"] == 2)

            let odd = try ExternalDatabase.query(path: path, sql: "SELECT 9007199254740993 AS big, x'00ff' AS bytes, 1 AS a, 2 AS a",
                                                 readOnly: true, maxBytes: 10_000)
            #expect(odd.columns == ["big", "bytes", "a", "a_2"])
            #expect(odd.rows[0]["big"] == "9007199254740993")
            #expect(odd.rows[0]["bytes"] == "base64:AP8=")
        }
    }

    @Test func readOnlyRefusesEveryWrite() throws {
        try withTemporaryFolder { folder in
            let path = try Self.makeDatabase(in: folder)
            for sql in ["INSERT INTO people (name) VALUES ('Eve')", "DELETE FROM people", "DROP TABLE people",
                        "CREATE TABLE t (x)", "UPDATE people SET name = 'x'"] {
                let error = #expect(throws: NexusError.self) {
                    try ExternalDatabase.query(path: path, sql: sql, readOnly: true, maxBytes: 1000)
                }
                #expect(error?.code == .databaseReadOnly)
                #expect(error?.message.contains("read-only") == true)
            }
            let count = try ExternalDatabase.query(path: path, sql: "SELECT count(*) AS n FROM people", readOnly: true, maxBytes: 1000)
            #expect(count.rows[0]["n"] == 3)
        }
    }

    @Test func oneCallReachesOneFile() throws {
        try withTemporaryFolder { folder in
            let path = try Self.makeDatabase(in: folder)
            let other = folder.appendingPathComponent("other.db").path
            for readOnly in [true, false] {
                let attach = #expect(throws: NexusError.self) {
                    try ExternalDatabase.query(path: path, sql: "ATTACH DATABASE '\(other)' AS other", readOnly: readOnly, maxBytes: 1000)
                }
                #expect(attach?.message.contains("ATTACH") == true)
                #expect(throws: NexusError.self) {
                    try ExternalDatabase.query(path: path, sql: "VACUUM INTO '\(other)'", readOnly: readOnly, maxBytes: 1000)
                }
            }
            #expect(!FileManager.default.fileExists(atPath: other))
        }
    }

    @Test func mistakesAreClearErrors() throws {
        try withTemporaryFolder { folder in
            let path = try Self.makeDatabase(in: folder)
            let several = #expect(throws: NexusError.self) {
                try ExternalDatabase.query(path: path, sql: "SELECT 1; SELECT 2", readOnly: true, maxBytes: 1000)
            }
            #expect(several?.message.contains("one statement") == true)
            let syntax = #expect(throws: NexusError.self) {
                try ExternalDatabase.query(path: path, sql: "SELEC * FROM people", readOnly: true, maxBytes: 1000)
            }
            #expect(syntax?.message.contains("syntax error") == true)
            #expect(throws: NexusError.self) {
                try ExternalDatabase.query(path: path, sql: "SELECT * FROM people WHERE id = ?", readOnly: true, maxBytes: 1000)
            }
            let missing = #expect(throws: NexusError.self) {
                try ExternalDatabase.query(path: folder.appendingPathComponent("nope.db").path, sql: "SELECT 1", readOnly: true, maxBytes: 1000)
            }
            #expect(missing?.code == .notFound)
            let text = folder.appendingPathComponent("notes.txt")
            try Data(String(repeating: "plain text, not a database\n", count: 100).utf8).write(to: text)
            let notDatabase = #expect(throws: NexusError.self) {
                try ExternalDatabase.query(path: text.path, sql: "SELECT * FROM sqlite_master", readOnly: true, maxBytes: 1000)
            }
            #expect(notDatabase?.message.contains("not a valid SQLite database") == true)
        }
    }

    @Test func resultsAreCutToTheByteBudget() throws {
        try withTemporaryFolder { folder in
            let path = try Self.makeDatabase(in: folder)
            let result = try ExternalDatabase.query(
                path: path, sql: "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) SELECT i, 'row' AS label FROM n",
                readOnly: true, maxBytes: 2000)
            #expect(result.truncated)
            #expect(!result.rows.isEmpty)
            #expect(result.jsonValue.jsonText.utf8.count <= 2000)
        }
    }

    @Test func longStatementsAreStopped() throws {
        try withTemporaryFolder { folder in
            let path = try Self.makeDatabase(in: folder)
            let start = Date()
            let error = #expect(throws: NexusError.self) {
                try ExternalDatabase.query(
                    path: path, sql: "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n",
                    readOnly: true, maxBytes: 1000, timeoutSeconds: 0.3)
            }
            #expect(error?.message.contains("ran longer than") == true)
            #expect(Date().timeIntervalSince(start) < 5)
        }
    }
}

/// Item 13 of the security review: what a `database_query` statement may do is decided by SQLite's
/// authorizer, and Nexus's own database is never opened.
@Suite struct ExternalDatabaseAuthorizerTests {
    /// Pragmas and their table-valued forms that change the process or the connection.
    static let harmfulStatements = [
        "PRAGMA hard_heap_limit=65536", "pragma HARD_HEAP_LIMIT(65536)", "PRAGMA main.hard_heap_limit = 65536",
        "SELECT * FROM pragma_hard_heap_limit(65536)", "SELECT * FROM main.pragma_soft_heap_limit(65536)",
        "PRAGMA soft_heap_limit=65536", "PRAGMA threads=8", "PRAGMA query_only=OFF", "PRAGMA writable_schema=ON",
        "PRAGMA trusted_schema=ON", "PRAGMA cache_size=-2000000", "PRAGMA mmap_size=1000000000", "PRAGMA hard_heap_limit",
        "SELECT load_extension('/tmp/x.so')",
    ]

    @Test func aQueryCannotStarveNexusOwnDatabaseThroughProcessWidePragmas() throws {
        try withTemporaryFolder { folder in
            let path = try ExternalDatabaseTests.makeDatabase(in: folder)
            // Should the refusal fail, put the process back so the other tests can run.
            defer { _ = try? ExternalDatabase.query(path: path, sql: "PRAGMA hard_heap_limit=0", readOnly: false, maxBytes: 1000) }
            defer { _ = try? ExternalDatabase.query(path: path, sql: "PRAGMA soft_heap_limit=0", readOnly: false, maxBytes: 1000) }
            for readOnly in [true, false] {
                for sql in Self.harmfulStatements {
                    let error = #expect(throws: NexusError.self, "\(sql) (read-only: \(readOnly))") {
                        try ExternalDatabase.query(path: path, sql: sql, readOnly: readOnly, maxBytes: 1000)
                    }
                    // sqlite3_stmt_readonly already calls a table-valued pragma a write on a read-only file.
                    let refused = error?.code == .databaseStatementRefused || (readOnly && error?.code == .databaseReadOnly)
                    #expect(refused, "\(sql): \(error?.message ?? "")")
                }
            }
            // Nexus's own database still works.
            let own = try NexusDatabase.inMemory()
            _ = try MemoryStore(database: own).add(String(repeating: "a fact worth keeping ", count: 100), source: "test")
            #expect(try MemoryStore(database: own).count() == 1)
        }
    }

    @Test func noValueMayTakeMoreThanTheValueLimit() throws {
        try withTemporaryFolder { folder in
            let path = try ExternalDatabaseTests.makeDatabase(in: folder)
            for readOnly in [true, false] {
                let error = #expect(throws: NexusError.self) {
                    try ExternalDatabase.query(path: path, sql: "SELECT length(zeroblob(200000000)) AS n", readOnly: readOnly, maxBytes: 1000)
                }
                #expect(error?.message.contains("limit of 64 MiB") == true)
            }
            #expect(try ExternalDatabase.query(path: path, sql: "SELECT length(zeroblob(1000)) AS n", readOnly: true, maxBytes: 1000).rows[0]["n"] == 1000)
        }
    }

    @Test func pragmasThatDescribeTheFileStillWork() throws {
        try withTemporaryFolder { folder in
            let path = try ExternalDatabaseTests.makeDatabase(in: folder)
            let columns = try ExternalDatabase.query(path: path, sql: "PRAGMA table_info(people)", readOnly: true, maxBytes: 10_000)
            #expect(columns.rows.map { $0["name"] } == ["id", "name", "score", "photo"])
            let valued = try ExternalDatabase.query(path: path, sql: "SELECT name FROM pragma_table_info('people')", readOnly: false, maxBytes: 10_000)
            #expect(valued.rows.count == 4)
            #expect(try ExternalDatabase.query(path: path, sql: "PRAGMA user_version", readOnly: true, maxBytes: 1000).rows.count == 1)
            #expect(throws: NexusError.self) {
                try ExternalDatabase.query(path: path, sql: "PRAGMA user_version = 7", readOnly: true, maxBytes: 1000)
            }
            _ = try ExternalDatabase.query(path: path, sql: "PRAGMA user_version = 7", readOnly: false, maxBytes: 1000)
        }
    }

    @Test func writesHiddenInReadsAreRefusedOnAReadOnlyFile() throws {
        try withTemporaryFolder { folder in
            let path = try ExternalDatabaseTests.makeDatabase(in: folder)
            for sql in ["WITH x AS (SELECT 1) INSERT INTO people (name) SELECT 'Eve' FROM x", "REPLACE INTO people (id, name) VALUES (1, 'Eve')",
                        "INSERT INTO people (name) VALUES ('Eve') RETURNING id", "CREATE TEMP TABLE t (x)", "BEGIN IMMEDIATE"] {
                let error = #expect(throws: NexusError.self, "\(sql)") {
                    try ExternalDatabase.query(path: path, sql: sql, readOnly: true, maxBytes: 1000)
                }
                #expect(error?.code == .databaseReadOnly || error?.code == .databaseStatementRefused, "\(sql)")
            }
            #expect(try ExternalDatabase.query(path: path, sql: "SELECT count(*) AS n FROM people", readOnly: true, maxBytes: 1000).rows[0]["n"] == 3)
        }
    }

    @Test func nexusOwnDatabaseIsNeverOpenedByAnyName() async throws {
        try await withTemporaryFolder { folder in
            let home = folder.appendingPathComponent("home")
            let own = try NexusDatabase.open(at: home.appendingPathComponent(NexusDatabase.fileName))
            _ = try MemoryStore(database: own).add("a secret fact", source: "test")
            let path = home.appendingPathComponent(NexusDatabase.fileName).path
            let workspace = folder.appendingPathComponent("workspace")
            try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
            // A link outside the workspace (the user's own), and a hard link inside it.
            let linked = folder.appendingPathComponent("innocent.db").path
            #expect(symlink(path, linked) == 0)
            #expect(link(path, workspace.appendingPathComponent("hard.db").path) == 0)
            // Even a policy that lists every one of them, writable or not.
            let names = [path, linked, "hard.db", path + "-wal", "../home/nexus.db"]
            for writable in [[String](), ["."]] {
                let policy = CapabilityPolicy(readablePaths: ["."], writablePaths: writable, databases: names + ["/"])
                for name in names {
                    let result = try await DatabaseQueryTool().run(["database": .string(name), "sql": "SELECT * FROM memories"],
                                                                   context: ToolContext(workspace: workspace, policy: policy))
                    #expect(result.status == .refused, "\(name): \(result.content)")
                    #expect(result.content.contains("Nexus's own database"), "\(name): \(result.content)")
                }
            }
        }
    }

    @Test func aListedFolderSwappedForALinkOpensNothingOutside() async throws {
        try await withTemporaryFolder { folder in
            let workspace = folder.appendingPathComponent("workspace")
            let outside = folder.appendingPathComponent("outside")
            try FileManager.default.createDirectory(at: workspace.appendingPathComponent("data"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
            _ = try ExternalDatabaseTests.makeDatabase(in: outside)
            // A script of the run replaces the listed folder with a link to the outside.
            try FileManager.default.removeItem(at: workspace.appendingPathComponent("data"))
            try FileManager.default.createSymbolicLink(atPath: workspace.appendingPathComponent("data").path, withDestinationPath: outside.path)
            for writable in [[String](), ["."]] {
                let policy = CapabilityPolicy(readablePaths: ["."], writablePaths: writable, databases: ["data"])
                for name in ["data/people.db", outside.appendingPathComponent("people.db").path] {
                    let result = try await DatabaseQueryTool().run(["database": .string(name), "sql": "SELECT * FROM people"],
                                                                   context: ToolContext(workspace: workspace, policy: policy))
                    #expect(result.status == .refused, "\(name): \(result.content)")
                }
            }
        }
    }

    @Test func theToolRefusesAHarmfulPragmaAsAPolicyRefusal() async throws {
        try await withTemporaryFolder { folder in
            _ = try ExternalDatabaseTests.makeDatabase(in: folder)
            let policy = CapabilityPolicy(readablePaths: ["."], writablePaths: [], databases: ["people.db"])
            let result = try await DatabaseQueryTool().run(["database": "people.db", "sql": "PRAGMA hard_heap_limit=65536"],
                                                           context: ToolContext(workspace: folder, policy: policy))
            #expect(result.status == .refused)
            #expect(result.content.contains("hard_heap_limit"))
        }
    }
}
