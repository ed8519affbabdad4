import Foundation
import NexusCore
import NexusStore
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
