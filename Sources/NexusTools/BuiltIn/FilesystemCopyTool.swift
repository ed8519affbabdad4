public import NexusCore

/// `filesystem_copy`: copies a file, or a folder with everything in it, byte for byte.
///
/// A model that copies by reading a file and writing its text back retypes it, and small models
/// retype wrongly; this tool never shows the contents to the model. A destination that is an
/// existing folder receives the copy under the source's name (like `cp`). A file destination is
/// replaced; a folder is copied only to a new path. Links and special files inside a copied folder
/// are skipped and counted; hard-linked files are refused as the other file tools refuse them.
public struct FilesystemCopyTool: Tool {
    /// The largest file copied.
    public var maxFileBytes: Int
    /// Most entries of a folder copied by one call.
    public var maxEntries: Int

    public init(maxFileBytes: Int = 64 << 20, maxEntries: Int = 1000) {
        self.maxFileBytes = maxFileBytes
        self.maxEntries = maxEntries
    }

    public var keywords: [String] { ["copy", "backup", "duplicate", "clone"] }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "filesystem_copy",
            description: "Copy a file (or a folder with everything in it) to a new path, exactly. Use it to copy or back up a file instead of reading and rewriting it. Creates missing folders.",
            parameters: [
                "type": "object",
                "properties": [
                    "source": ["type": "string", "description": "The file or folder to copy."],
                    "destination": ["type": "string", "description": "The path of the copy."],
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
            return .error("filesystem_copy needs a \"source\" and a \"destination\"")
        }
        let files = WorkspacePath(context)
        let copier = self
        return try await FileToolSupport.run(hinting: files) {
            let status = try files.stat(path: source)
            var target = destination
            if let existing = try? files.stat(path: destination), existing.kind == .directory {
                target = FileToolSupport.join(destination, FileToolSupport.lastName(of: source))
            }
            let from = files.absolute(source), to = files.absolute(target)
            if from == to { return .error("\(source) and \(target) are the same path; give the copy another name") }
            switch status.kind {
            case .file:
                let size = try copier.copyFile(source, to: target, files: files)
                return .ok("copied \(source) to \(target) (\(FileToolSupport.bytes(size)))")
            case .directory:
                if to.hasPrefix(from + "/") { return .error("\(target) is inside \(source); a folder cannot be copied into itself") }
                return try copier.copyFolder(source, to: target, files: files)
            case .symbolicLink:
                return .refused("\(source) is a symbolic link, and file tools never follow links")
            case .other:
                return .error("\(source) is a device, socket or pipe, not a file; it cannot be copied")
            }
        }
    }

    private func copyFile(_ source: String, to destination: String, files: WorkspacePath) throws -> Int {
        let contents = try files.read(path: source, maxBytes: maxFileBytes)
        guard contents.reachesEnd else {
            throw NexusError(.ioError, "\(source) is \(FileToolSupport.bytes(contents.fileSize)), larger than the \(FileToolSupport.bytes(maxFileBytes)) filesystem_copy copies; use execute_command with cp")
        }
        try files.write(path: destination, contents: contents.bytes, mode: .overwrite, createParents: true)
        return contents.bytes.count
    }

    private func copyFolder(_ source: String, to destination: String, files: WorkspacePath) throws -> ToolResult {
        if (try? files.stat(path: destination)) != nil {
            return .error("\(destination) already exists; copy the folder to a new path")
        }
        let listing = try files.list(path: source, recursive: true, maxEntries: maxEntries)
        guard listing.isComplete else {
            return .error("\(source) holds more than \(maxEntries) entries; copy its subfolders one at a time")
        }
        try files.makeDirectory(path: destination)
        var copiedFiles = 0, madeFolders = 0, skipped = 0, bytes = 0
        for entry in listing.entries {
            let from = FileToolSupport.join(source, entry.path), to = FileToolSupport.join(destination, entry.path)
            switch entry.status.kind {
            case .directory:
                try files.makeDirectory(path: to)
                madeFolders += 1
            case .file:
                bytes += try copyFile(from, to: to, files: files)
                copiedFiles += 1
            case .symbolicLink, .other:
                skipped += 1
            }
        }
        var summary = "copied the folder \(source) to \(destination): \(copiedFiles) files (\(FileToolSupport.bytes(bytes))), \(madeFolders) folders"
        if skipped > 0 { summary += "; \(skipped) links or special files skipped" }
        return .ok(summary)
    }
}
