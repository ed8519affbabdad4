import Foundation
import GRDB
public import NexusCore

/// The Nexus graph: nodes and typed edges, with provenance queries (what a node came from, what
/// depends on it).
///
/// Module versions and signing keys are nodes of their own; traces, memories and prompt versions
/// are nodes read from their tables under the ids `trace:RUN_ID`, `memory:N` and `prompt:KEY@N`,
/// so edges can point at them without copying them.
public struct GraphStore: Sendable {
    let database: NexusDatabase

    public init(database: NexusDatabase) {
        self.database = database
    }

    /// Adds a node; a node with the same id is left as it is.
    /// - Throws: `NexusError(.databaseFailed)` when it cannot be saved.
    public func add(_ node: GraphNode) throws {
        try database.write("add graph node \(node.id)") { db in try Self.insert(node, db) }
    }

    /// Adds an edge; the same edge twice is stored once.
    /// - Throws: `NexusError(.databaseFailed)` when it cannot be saved.
    public func link(_ edge: GraphEdge) throws {
        try database.write("link \(edge.source) to \(edge.target)") { db in try Self.insert(edge, db) }
    }

    /// The node with this id (stored, or read from the trace, memory and prompt tables), or nil.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func node(id: String) throws -> GraphNode? {
        try database.read("load graph node \(id)") { db in
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM graph_nodes WHERE id = ?", arguments: [id]) {
                return try GraphNode(row: row)
            }
            return try Self.derivedNode(id: id, db)
        }
    }

    /// Every stored node of `kind`, oldest first.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func nodes(kind: String) throws -> [GraphNode] {
        try database.read("list \(kind) nodes") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM graph_nodes WHERE kind = ? ORDER BY created_at, id", arguments: [kind]).map(GraphNode.init(row:))
        }
    }

    /// The edges leaving `id`, oldest first.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func edges(from id: String) throws -> [GraphEdge] {
        try database.read("load the edges of \(id)") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM graph_edges WHERE source = ? ORDER BY created_at, kind, target", arguments: [id]).map(GraphEdge.init(row:))
        }
    }

    /// The edges arriving at `id`, oldest first.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func edges(to id: String) throws -> [GraphEdge] {
        try database.read("load the edges into \(id)") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM graph_edges WHERE target = ? ORDER BY created_at, kind, source", arguments: [id]).map(GraphEdge.init(row:))
        }
    }

    /// The full id a reference names: `nexus://ID`, `ID`, or a unique prefix (at least 6
    /// characters) of a stored node's id.
    /// - Throws: `NexusError(.notFound)` when nothing matches, `.invalidArgument` when the prefix
    ///   matches several nodes (naming some of them).
    public func resolve(_ reference: String) throws -> String {
        let id = reference.hasPrefix("nexus://") ? String(reference.dropFirst("nexus://".count)) : reference
        guard !id.isEmpty else { throw NexusError(.invalidArgument, "'\(reference)' names no node; use nexus://ID") }
        if try node(id: id) != nil { return id }
        let matches = id.count < 6 ? [] : try database.read("find graph node \(id)") { db in
            try String.fetchAll(db, sql: "SELECT id FROM graph_nodes WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 5",
                                arguments: [likePattern(prefix: id)])
        }
        switch matches.count {
        case 0: throw NexusError(.notFound, "no graph node nexus://\(id); list modules with `nexus modules list` or give a longer id")
        case 1: return matches[0]
        default: throw NexusError(.invalidArgument, "nexus://\(id) is ambiguous (\(matches.joined(separator: ", "))…); give more characters")
        }
    }

    // MARK: - Rows

    static func insert(_ node: GraphNode, _ db: Database) throws {
        try db.execute(sql: "INSERT OR IGNORE INTO graph_nodes (id, kind, label, metadata, created_at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [node.id, node.kind, node.label, JSONValue.object(node.metadata).jsonText, node.createdAt.databaseSeconds])
    }

    static func insert(_ edge: GraphEdge, _ db: Database) throws {
        try db.execute(sql: "INSERT OR IGNORE INTO graph_edges (source, kind, target, created_at) VALUES (?, ?, ?, ?)",
                       arguments: [edge.source, edge.kind.rawValue, edge.target, edge.createdAt.databaseSeconds])
    }

    /// Traces, memories and prompt versions, seen as graph nodes.
    private static func derivedNode(id: String, _ db: Database) throws -> GraphNode? {
        if id.hasPrefix("memory:"), let number = Int64(id.dropFirst("memory:".count)),
           let row = try Row.fetchOne(db, sql: "SELECT * FROM memories WHERE id = ?", arguments: [number]) {
            return GraphNode(id: id, kind: "memory", label: "memory #\(number)",
                             metadata: ["content": .string(try row.value("content")), "source": .string(try row.value("source"))],
                             createdAt: try row.date("created_at"))
        }
        if id.hasPrefix("trace:"), let row = try Row.fetchOne(db, sql: """
            SELECT traces.*, runs.task FROM traces JOIN runs ON runs.id = traces.run_id WHERE traces.run_id = ?
            """, arguments: [String(id.dropFirst("trace:".count))]) {
            return GraphNode(id: id, kind: "trace", label: "trace of run \(try row.value("run_id") as String)",
                             metadata: ["task": .string(try row.value("task")), "signature": .string(try row.value("signature")),
                                        "tool_sequence": try row.json("tool_sequence")],
                             createdAt: try row.date("recorded_at"))
        }
        if id.hasPrefix("prompt:"), let at = id.lastIndex(of: "@"), let version = Int(id[id.index(after: at)...]) {
            let key = String(id[id.index(id.startIndex, offsetBy: "prompt:".count)..<at])
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM self_modifications WHERE key = ? AND version = ?", arguments: [key, version]) {
                return GraphNode(id: id, kind: key == "soul" ? "soul" : "prompt", label: "\(key) version \(version)",
                                 metadata: ["value": .string(try row.value("value")), "reason": .string(try row.value("reason")),
                                            "actor": .string(try row.value("actor"))],
                                 createdAt: try row.date("created_at"))
            }
        }
        return nil
    }
}

extension GraphNode {
    init(row: Row) throws {
        self.init(id: try row.value("id"), kind: try row.value("kind"), label: try row.value("label"),
                  metadata: try row.json("metadata").objectValue ?? JSONObject(), createdAt: try row.date("created_at"))
    }
}

extension GraphEdge {
    init(row: Row) throws {
        let kind: String = try row.value("kind")
        self.init(source: try row.value("source"), kind: Kind(rawValue: kind) ?? .derivedFrom, target: try row.value("target"),
                  createdAt: try row.date("created_at"))
    }
}
