public import Foundation
public import NexusCore

/// A node of the Nexus graph: a module version, a trace, a memory, a prompt or soul version, a
/// signing key, ... Its id is what `nexus://ID` names.
///
/// Module versions and keys are stored as graph nodes; traces (`trace:RUN_ID`), memories
/// (`memory:N`) and prompt versions (`prompt:KEY@VERSION`) are read from their own tables.
public struct GraphNode: Sendable, Hashable {
    public var id: String
    /// "module", "key", "trace", "memory", "prompt", "soul", ...
    public var kind: String
    /// A short human name: "csv_summary@1.0.0", "memory #4", ...
    public var label: String
    /// Kind-specific facts, a JSON object.
    public var metadata: JSONObject
    public var createdAt: Date

    public init(id: String, kind: String, label: String, metadata: JSONObject = JSONObject(), createdAt: Date = Date()) {
        self.id = id
        self.kind = kind
        self.label = label
        self.metadata = metadata
        self.createdAt = createdAt
    }
}

/// A typed, directed edge between two graph nodes.
public struct GraphEdge: Sendable, Hashable {
    /// The kinds of edge the graph knows.
    public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        /// A module version needs another one (pinned by content id).
        case dependsOn = "depends_on"
        /// A module was compiled from an execution trace.
        case crystallizedFrom = "crystallized_from"
        /// A node was made from another (a promoted version from its draft, an import from its bundle).
        case derivedFrom = "derived_from"
        /// A node supersedes another (a new version of a module, a rotated key).
        case replaces
        /// A node was signed by a key.
        case signedBy = "signed_by"
    }

    public var source: String
    public var kind: Kind
    public var target: String
    public var createdAt: Date

    public init(source: String, kind: Kind, target: String, createdAt: Date = Date()) {
        self.source = source
        self.kind = kind
        self.target = target
        self.createdAt = createdAt
    }
}
