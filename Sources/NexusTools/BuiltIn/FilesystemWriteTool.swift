public import NexusCore

/// `filesystem_write`: writes text to a file beneath a writable root, creating missing folders.
///
/// `overwrite` (the default) and `create` replace or create the file atomically; `append` adds to
/// the end of an existing file (or creates it).
public struct FilesystemWriteTool: Tool {
    public init() {}

    public var keywords: [String] { ["write", "create", "new", "save", "text", "content", "into", "put", "append", "add", "line"] }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "filesystem_write",
            description: "Write text to a file. Creates the file and missing folders. Replaces the whole file unless mode is \"append\" or \"create\". To change some words of an existing file, use filesystem_replace instead; to copy a file, filesystem_copy.",
            parameters: [
                "type": "object",
                "properties": [
                    "path": ["type": "string", "description": "File to write, relative to the workspace."],
                    "content": ["type": "string", "description": "The whole text the file must hold (or, in append mode, the text to add)."],
                    "mode": [
                        "type": "string", "enum": ["overwrite", "append", "create"],
                        "description": "overwrite: replace the file (default). append: add to the end. create: only if the file does not exist.",
                    ],
                ],
                "required": ["path", "content"],
                "additionalProperties": false,
            ]
        )
    }

    /// Offered when the policy allows writing somewhere.
    public func isUsable(under policy: CapabilityPolicy) -> Bool { !policy.writablePaths.isEmpty }

    public func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        guard let path = FileToolSupport.path(arguments, "path"), let content = FileToolSupport.string(arguments, "content") else {
            return .error("filesystem_write needs a \"path\" and a \"content\"")
        }
        let modeName = FileToolSupport.string(arguments, "mode") ?? "overwrite"
        guard let mode = WorkspacePath.WriteMode(rawValue: modeName) else {
            return .error("mode must be \"overwrite\", \"append\" or \"create\", not \"\(modeName)\"")
        }
        let files = WorkspacePath(context)
        let observed = context.observedPaths.map { Set($0.map { files.absolute(FileToolSupport.cleanPath($0)) }) }
        return try await FileToolSupport.run {
            if mode == .overwrite, let observed, !observed.contains(files.absolute(path)), (try? files.stat(path: path))?.kind == .file {
                return .error("\(path) already exists and you have not read it; read it first with filesystem_read, or change some of its text with filesystem_replace")
            }
            let outcome = try files.write(path: path, contents: Array(content.utf8), mode: mode, createParents: true)
            let size = FileToolSupport.bytes(outcome.bytesWritten)
            switch (mode, outcome.created) {
            case (_, true): return .ok("created \(path) (\(size))")
            case (.append, false): return .ok("appended \(size) to \(path)")
            default: return .ok("replaced \(path) (\(size))")
            }
        }
    }
}
