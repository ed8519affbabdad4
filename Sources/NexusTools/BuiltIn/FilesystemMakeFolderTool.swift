public import NexusCore

/// `filesystem_mkdir`: creates a folder and every missing folder above it (like `mkdir -p`).
public struct FilesystemMakeFolderTool: Tool {
    public init() {}

    public var keywords: [String] { ["create", "make", "folder", "folders", "directory", "directories", "nested", "mkdir"] }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "filesystem_mkdir",
            description: "Create a folder, together with any missing parent folders (\"x/y/z\" creates x, x/y and x/y/z).",
            parameters: [
                "type": "object",
                "properties": [
                    "path": ["type": "string", "description": "The folder to create, relative to the workspace."],
                ],
                "required": ["path"],
                "additionalProperties": false,
            ]
        )
    }

    /// Offered when the policy allows writing somewhere.
    public func isUsable(under policy: CapabilityPolicy) -> Bool { !policy.writablePaths.isEmpty }

    public func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        guard let path = FileToolSupport.path(arguments, "path") else { return .error("filesystem_mkdir needs a \"path\"") }
        let files = WorkspacePath(context)
        return try await FileToolSupport.run {
            try files.makeDirectory(path: path) ? .ok("created the folder \(path)") : .ok("the folder \(path) already exists")
        }
    }
}
