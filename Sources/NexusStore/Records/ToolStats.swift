public import Foundation

/// How often a tool was called and how its calls ended.
public struct ToolStats: Sendable, Codable, Hashable {
    public var tool: String
    public var calls: Int
    public var ok: Int
    public var errors: Int
    public var refused: Int
    /// Time spent in the tool over all calls.
    public var totalSeconds: Double
    public var lastUsedAt: Date?

    public init(tool: String, calls: Int, ok: Int, errors: Int, refused: Int, totalSeconds: Double, lastUsedAt: Date? = nil) {
        self.tool = tool
        self.calls = calls
        self.ok = ok
        self.errors = errors
        self.refused = refused
        self.totalSeconds = totalSeconds
        self.lastUsedAt = lastUsedAt
    }

    /// Mean time per call (0 before the first call).
    public var averageSeconds: Double { calls == 0 ? 0 : totalSeconds / Double(calls) }
}
