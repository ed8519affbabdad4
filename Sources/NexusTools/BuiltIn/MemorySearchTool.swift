import Foundation
public import NexusCore
public import NexusStore

/// `memory_search`: finds remembered facts relevant to a query, best first.
public struct MemorySearchTool: Tool {
    let store: MemoryStore

    public init(database: NexusDatabase) {
        self.store = MemoryStore(database: database)
    }

    /// Looks only.
    public var onlyObserves: Bool { true }

    public var keywords: [String] { ["remember", "recall", "memory", "memories", "know", "preference", "earlier"] }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "memory_search",
            description: "Search remembered facts by relevance to a query (words, not syntax). Returns the best matches as JSON.",
            parameters: [
                "type": "object",
                "properties": [
                    "query": ["type": "string", "minLength": 1, "maxLength": 1000, "description": "What to look for, in plain words."],
                    "limit": ["type": "integer", "minimum": 1, "maximum": 20, "description": "The most results (default 5)."],
                ],
                "required": ["query"],
                "additionalProperties": false,
            ])
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        guard let query = arguments["query"]?.stringValue, query.contains(where: { !$0.isWhitespace }) else {
            return .error("memory_search needs \"query\": the words to look for, as a non-empty string")
        }
        let limit = min(max(Int(arguments["limit"]?.numberValue ?? 5), 1), 20)
        let found = try store.search(query, limit: limit)
        guard !found.isEmpty else {
            return .ok("no memory matches \"\(query)\"")
        }
        // Keep whole results only, best first, within the output limit.
        let budget = context.policy.limits.outputBytes
        var items: [JSONValue] = []
        var used = 2
        var truncated = false
        for (memory, score) in found {
            let item: JSONValue = .object(JSONObject([
                ("id", .number(Double(memory.id))),
                ("content", .string(memory.content)),
                ("tags", .array(memory.tags.map(JSONValue.string))),
                ("source", .string(memory.source)),
                ("score", .number(Double(String(format: "%.3g", score)) ?? score)),
            ]))
            let size = item.jsonText.utf8.count + 1
            if used + size > budget, !items.isEmpty {
                truncated = true
                break
            }
            used += size
            items.append(item)
        }
        return .ok(JSONValue.array(items).jsonText, truncated: truncated)
    }
}
