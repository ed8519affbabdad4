public import NexusCore

/// `filesystem_delete`: deletes a file, or a folder with everything in it when asked to
/// (`recursive`), beneath the policy's writable paths. Links are removed, never followed, and a
/// folder the policy names (the workspace itself) is never deleted.
public struct FilesystemDeleteTool: Tool {
    public init() {}

    public var keywords: [String] { ["delete", "remove", "erase", "rm", "unlink", "clean", "discard"] }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "filesystem_delete",
            // Said twice on purpose: a small model asked to remove a line must not delete the file.
            description: "Delete a whole file, or a whole folder with \"recursive\": true. To remove a line or some words inside a file, use filesystem_replace instead.",
            parameters: [
                "type": "object",
                "properties": [
                    "path": ["type": "string", "description": "The file or folder to delete."],
                    "recursive": ["type": "boolean", "description": "true to delete a folder with everything in it."],
                ],
                "required": ["path"],
                "additionalProperties": false,
            ]
        )
    }

    /// Offered when the policy allows writing somewhere.
    public func isUsable(under policy: CapabilityPolicy) -> Bool { !policy.writablePaths.isEmpty }

    public func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        guard let path = FileToolSupport.path(arguments, "path") else {
            return .error("filesystem_delete needs a \"path\"")
        }
        let recursive = FileToolSupport.bool(arguments, "recursive") ?? false
        let files = WorkspacePath(context)
        return try await FileToolSupport.run(hinting: files) {
            let removed = try files.remove(path: path, recursive: recursive)
            return .ok(removed == 1 ? "deleted \(path)" : "deleted \(path) and the \(removed - 1) entr\(removed == 2 ? "y" : "ies") in it")
        }
    }
}
