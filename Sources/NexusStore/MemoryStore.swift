import Foundation
import GRDB
import NexusCore

/// Facts the agent learns: stored, searched by relevance (SQLite FTS5 with bm25 ranking), listed,
/// forgotten, and recalled into prompts within a size budget.
///
/// Search takes free text (a user's or a model's words); it never fails on punctuation, quotes or
/// FTS5 operators in that text (see `FullTextQuery`). The `embedding` column is reserved so that
/// vector recall can be added later without a table rewrite.
public struct MemoryStore: Sendable {
    let database: NexusDatabase

    public init(database: NexusDatabase) {
        self.database = database
    }

    /// Stores a fact.
    /// - Parameters:
    ///   - content: The fact; surrounding whitespace is trimmed.
    ///   - source: Where it came from ("user", "run:<id>", "tool:memory_store").
    ///   - tags: Labels; trimmed, empty ones dropped, duplicates removed.
    /// - Returns: The stored memory with its id.
    /// - Throws: `NexusError(.invalidArgument)` for empty content, `.databaseFailed` when it cannot be saved.
    public func add(_ content: String, source: String, tags: [String] = []) throws -> Memory {
        let content = content.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !content.isEmpty else {
            throw NexusError(.invalidArgument, "a memory needs some content; got an empty text")
        }
        var cleanTags: [String] = []
        for tag in tags {
            let tag = tag.trimmingCharacters(in: .whitespacesAndNewlines)
            if !tag.isEmpty, !cleanTags.contains(tag) { cleanTags.append(tag) }
        }
        let createdAt = Date()
        let id = try database.write("store a memory") { db in
            try db.execute(
                sql: "INSERT INTO memories (content, source, tags, created_at, org) VALUES (?, ?, ?, ?, ?)",
                arguments: [content, source, cleanTags.jsonText, createdAt.databaseSeconds, database.org.rawValue])
            return db.lastInsertedRowID
        }
        return Memory(id: id, content: content, source: source, tags: cleanTags, createdAt: createdAt)
    }

    /// The memory with this id, or nil.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func memory(id: Int64) throws -> Memory? {
        try database.read("load memory \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM memories WHERE id = ? AND org = ?", arguments: [id, database.org.rawValue]).map(Memory.init(row:))
        }
    }

    /// The memories most relevant to `query`, best first.
    /// - Parameters:
    ///   - query: Free text; any characters are fine. Text without a single word matches nothing.
    ///   - limit: The most results; zero or less returns none.
    /// - Returns: Each memory with its relevance score (the negated bm25 rank: higher is more
    ///   relevant; comparable only within one search).
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func search(_ query: String, limit: Int = 5) throws -> [(memory: Memory, score: Double)] {
        guard limit > 0, let match = FullTextQuery.matchExpression(query) else { return [] }
        return try database.read("search memories") { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT memories.*, bm25(memories_fts) AS rank
                FROM memories_fts JOIN memories ON memories.id = memories_fts.rowid
                WHERE memories_fts MATCH ? AND memories.org = ?
                ORDER BY rank, memories.id DESC
                LIMIT ?
                """, arguments: [match, database.org.rawValue, limit])
            return try rows.map { row in
                (memory: try Memory(row: row), score: -(try row.value("rank") as Double))
            }
        }
    }

    /// The newest memories first.
    /// - Parameter limit: The most memories returned.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func list(limit: Int = 50) throws -> [Memory] {
        try database.read("list memories") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM memories WHERE org = ? ORDER BY id DESC LIMIT ?", arguments: [database.org.rawValue, max(limit, 0)])
                .map(Memory.init(row:))
        }
    }

    /// How many memories are stored.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func count() throws -> Int {
        try database.read("count memories") { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM memories WHERE org = ?", arguments: [database.org.rawValue]) ?? 0
        }
    }

    /// Deletes a memory.
    /// - Returns: Whether a memory with this id existed.
    /// - Throws: `NexusError(.databaseFailed)` when it cannot be deleted.
    @discardableResult
    public func forget(id: Int64) throws -> Bool {
        try database.write("forget memory \(id)") { db in
            try db.execute(sql: "DELETE FROM memories WHERE id = ? AND org = ?", arguments: [id, database.org.rawValue])
            return db.changesCount > 0
        }
    }

    /// The memories to put in a prompt for `task`: the most relevant first, at most `limit` of
    /// them, whose contents add up to at most `maxCharacters` characters. A relevant memory too
    /// long for the remaining budget is skipped in favour of shorter, less relevant ones.
    /// - Parameters:
    ///   - task: The task or message the prompt is for.
    ///   - limit: The most memories.
    ///   - maxCharacters: The budget for the memories' contents, in characters.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func recall(for task: String, limit: Int, maxCharacters: Int) throws -> [Memory] {
        guard limit > 0, maxCharacters > 0 else { return [] }
        var chosen: [Memory] = []
        var used = 0
        for (memory, _) in try search(task, limit: max(limit * 4, 20)) {
            let size = memory.content.count
            if used + size <= maxCharacters {
                chosen.append(memory)
                used += size
                if chosen.count == limit { break }
            }
        }
        return chosen
    }
}

extension Memory {
    init(row: Row) throws {
        self.init(
            id: try row.value("id"),
            content: try row.value("content"),
            source: try row.value("source"),
            tags: try row.stringArray("tags"),
            createdAt: try row.date("created_at"))
    }
}
