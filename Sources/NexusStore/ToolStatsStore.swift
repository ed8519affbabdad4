import Foundation
import GRDB
public import NexusCore

/// Per-tool usage counters: calls, how they ended, and time spent.
public struct ToolStatsStore: Sendable {
    let database: NexusDatabase

    public init(database: NexusDatabase) {
        self.database = database
    }

    /// Counts one call of `tool`.
    /// - Parameters:
    ///   - tool: The tool's name.
    ///   - status: How the call ended.
    ///   - durationSeconds: How long it took (negative values count as 0).
    /// - Throws: `NexusError(.databaseFailed)` when it cannot be saved.
    public func record(tool: String, status: ToolResult.Status, durationSeconds: Double) throws {
        try database.write("record a call of \(tool)") { db in
            try Self.count(tool: tool, status: status, durationSeconds: durationSeconds, db)
        }
    }

    /// Counts one call of `tool` without blocking the caller's thread (the agent loop).
    /// - Throws: `NexusError(.databaseFailed)` when it cannot be saved.
    public func record(tool: String, status: ToolResult.Status, durationSeconds: Double) async throws {
        do {
            try await database.writer.write { db in try Self.count(tool: tool, status: status, durationSeconds: durationSeconds, db) }
        } catch {
            throw StoreFailure.operation("record a call of \(tool)", database.location, error)
        }
    }

    private static func count(tool: String, status: ToolResult.Status, durationSeconds: Double, _ db: Database) throws {
        let duration = durationSeconds.isFinite ? max(durationSeconds, 0) : 0
        try db.execute(sql: """
            INSERT INTO tool_stats (tool, calls, ok, errors, refused, total_seconds, last_used_at)
            VALUES (?, 1, ?, ?, ?, ?, ?)
            ON CONFLICT (tool) DO UPDATE SET
                calls = calls + 1, ok = ok + excluded.ok, errors = errors + excluded.errors,
                refused = refused + excluded.refused, total_seconds = total_seconds + excluded.total_seconds,
                last_used_at = excluded.last_used_at
            """, arguments: [
                tool, status == .ok ? 1 : 0, status == .error ? 1 : 0, status == .refused ? 1 : 0, duration,
                Date().databaseSeconds,
            ])
    }

    /// Every tool's counters, the most called first.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func all() throws -> [ToolStats] {
        try database.read("load tool statistics") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tool_stats ORDER BY calls DESC, tool").map(ToolStats.init(row:))
        }
    }

    /// One tool's counters, or nil before its first call.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func stats(tool: String) throws -> ToolStats? {
        try database.read("load the statistics of \(tool)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM tool_stats WHERE tool = ?", arguments: [tool]).map(ToolStats.init(row:))
        }
    }
}

extension ToolStats {
    init(row: Row) throws {
        self.init(
            tool: try row.value("tool"),
            calls: try row.value("calls"),
            ok: try row.value("ok"),
            errors: try row.value("errors"),
            refused: try row.value("refused"),
            totalSeconds: try row.value("total_seconds"),
            lastUsedAt: try row.optionalDate("last_used_at"))
    }
}
