public import NexusCore

/// `filesystem_list`: the files and folders in a directory, one per line, folders ending in `/`.
public struct FilesystemListTool: Tool {
    /// Most entries listed by one call.
    public var maxEntries: Int

    public init(maxEntries: Int = 1000) {
        self.maxEntries = maxEntries
    }

    /// Looks only.
    public var onlyObserves: Bool { true }

    public var keywords: [String] { ["list", "files", "folder", "folders", "directory", "contents", "names", "many", "count", "how"] }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "filesystem_list",
            description: "List the files and folders in a folder. Folders end with '/'. Paths are relative to the workspace.",
            parameters: [
                "type": "object",
                "properties": [
                    "path": ["type": "string", "description": "Folder to list. Default: \".\" (the workspace).", "default": "."],
                    "recursive": ["type": "boolean", "description": "true to also list everything inside subfolders."],
                ],
                "additionalProperties": false,
            ]
        )
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        let path = FileToolSupport.path(arguments, "path") ?? "."
        let recursive = FileToolSupport.bool(arguments, "recursive") ?? false
        let files = WorkspacePath(context)
        let maxEntries = maxEntries
        return try await FileToolSupport.run(hinting: files) {
            let listing = try files.list(path: path, recursive: recursive, maxEntries: maxEntries, notDescending: [".git"])
            if listing.entries.isEmpty { return .ok("[\(path) is an empty folder]") }
            var lines = listing.entries.map { entry in
                Self.line(FileToolSupport.join(path, entry.path), entry.status, recursive: recursive)
            }
            if !listing.isComplete {
                lines.append("[listing stopped at \(listing.entries.count) entries; list a subfolder to see more]")
            }
            // A count up front: small models miscount long lists.
            let files = listing.entries.filter { $0.status.kind == .file }.count
            let folders = listing.entries.filter { $0.status.kind == .directory }.count
            let others = listing.entries.count - files - folders
            let header = Self.count(files, "file") + ", " + Self.count(folders, "folder") + (others > 0 ? ", " + Self.count(others, "other entry", plural: "other entries") : "")
                + (listing.isComplete ? ":" : " (at least):")
            return .ok(([header] + lines).joined(separator: "\n"), truncated: !listing.isComplete)
        }
    }

    /// "1 file", "7 files".
    static func count(_ number: Int, _ noun: String, plural: String? = nil) -> String {
        "\(number) " + (number == 1 ? noun : plural ?? noun + "s")
    }

    static func line(_ path: String, _ status: FileStatus, recursive: Bool) -> String {
        switch status.kind {
        case .directory:
            let name = path.split(separator: "/").last.map(String.init) ?? path
            return recursive && name == ".git" ? "\(path)/ (not listed)" : "\(path)/"
        case .file:
            if status.linkCount > 1 { return "\(path) (\(FileToolSupport.bytes(status.size)), \(status.linkCount) hard links: not readable)" }
            // Names alone, as `ls` shows them: a small model copies whatever a line holds.
            return path
        case .symbolicLink:
            return "\(path) (symbolic link: not followed)"
        case .other:
            return "\(path) (device, socket or pipe: not readable)"
        }
    }
}
