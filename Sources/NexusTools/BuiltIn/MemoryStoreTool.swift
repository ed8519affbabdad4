public import NexusCore
public import NexusStore

/// `memory_store`: remembers a fact for later runs.
///
/// The memory's source is "run:<id>" when a run makes the call, "tool:memory_store" otherwise.
public struct MemoryStoreTool: Tool {
    let store: MemoryStore

    public init(database: NexusDatabase) {
        self.store = MemoryStore(database: database)
    }

    public var keywords: [String] { ["remember", "memory", "note", "fact", "preference", "keep"] }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "memory_store",
            description: "Remember a fact for future tasks (a preference, a path, a result worth keeping). Store one short, self-contained fact per call.",
            parameters: [
                "type": "object",
                "properties": [
                    "content": ["type": "string", "minLength": 1, "maxLength": 4000, "description": "The fact, in one or a few sentences."],
                    "tags": [
                        "type": "array", "items": ["type": "string", "minLength": 1, "maxLength": 40], "maxItems": 10,
                        "description": "Optional labels that help find it later.",
                    ],
                ],
                "required": ["content"],
                "additionalProperties": false,
            ])
    }

    /// A write to Nexus itself: only under a policy that allows it (``CapabilityPolicy/allowsMemoryWrites``).
    public func isUsable(under policy: CapabilityPolicy) -> Bool { policy.allowsMemoryWrites }

    public func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        guard context.policy.allowsMemoryWrites else {
            return .refused("memory_store is not allowed by this run's policy (memory = false, or a read-only policy); the user can allow it with memory = true in the policy")
        }
        guard let content = arguments["content"]?.stringValue, content.contains(where: { !$0.isWhitespace }) else {
            return .error("memory_store needs \"content\": the fact to remember, as a non-empty string")
        }
        let tags = (arguments["tags"]?.arrayValue ?? []).compactMap(\.stringValue)
        let source = context.runID.map { "run:\($0)" } ?? "tool:memory_store"
        do {
            let memory = try store.add(content, source: source, tags: tags)
            return .ok("stored memory #\(memory.id)")
        } catch let error as NexusError where error.code == .invalidArgument {
            return .error(error.message)
        }
    }
}
