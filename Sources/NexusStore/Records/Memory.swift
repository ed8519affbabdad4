public import Foundation

/// A fact the agent learned and may recall later.
public struct Memory: Sendable, Hashable, Codable {
    public var id: Int64
    /// The fact, in plain text.
    public var content: String
    /// Where it came from: "user", "run:<id>", "tool:memory_store", ...
    public var source: String
    public var tags: [String]
    public var createdAt: Date

    public init(id: Int64, content: String, source: String, tags: [String] = [], createdAt: Date = Date()) {
        self.id = id
        self.content = content
        self.source = source
        self.tags = tags
        self.createdAt = createdAt
    }
}
