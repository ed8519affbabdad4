public import NexusCore

/// `filesystem_move`: renames or moves a file or folder; a destination that is an existing folder
/// receives it under its own name (like `mv`). An existing file is never replaced.
public struct FilesystemMoveTool: Tool {
    public init() {}

    public var keywords: [String] { ["move", "rename", "relocate"] }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "filesystem_move",
            description: "Move or rename a file or folder. Creates missing folders. Does not replace an existing file.",
            parameters: [
                "type": "object",
                "properties": [
                    "source": ["type": "string", "description": "The file or folder to move."],
                    "destination": ["type": "string", "description": "Its new path, or an existing folder to move it into."],
                ],
                "required": ["source", "destination"],
                "additionalProperties": false,
            ]
        )
    }

    /// Offered when the policy allows writing somewhere.
    public func isUsable(under policy: CapabilityPolicy) -> Bool { !policy.writablePaths.isEmpty }

    public func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        guard let source = FileToolSupport.path(arguments, "source"), let destination = FileToolSupport.path(arguments, "destination") else {
            return .error("filesystem_move needs a \"source\" and a \"destination\"")
        }
        let files = WorkspacePath(context)
        return try await FileToolSupport.run(hinting: files) {
            var target = destination
            if let existing = try? files.stat(path: destination), existing.kind == .directory {
                target = FileToolSupport.join(destination, FileToolSupport.lastName(of: source))
            }
            if files.absolute(source) == files.absolute(target) {
                return .error("\(source) and \(target) are the same path; nothing to move")
            }
            try files.move(from: source, to: target)
            return .ok("moved \(source) to \(target)")
        }
    }
}
