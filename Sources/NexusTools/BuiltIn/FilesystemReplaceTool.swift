public import NexusCore

/// `filesystem_replace`: replaces every occurrence of an exact text in a file, leaving the rest of
/// the file as it was. Editing this way spares a model from retyping a whole file to change a word.
public struct FilesystemReplaceTool: Tool {
    /// The largest file edited.
    public var maxFileBytes: Int

    public init(maxFileBytes: Int = 8 << 20) {
        self.maxFileBytes = maxFileBytes
    }

    public var keywords: [String] { ["fix", "typo", "correct", "replace", "change", "word", "words", "edit", "spelling", "everywhere"] }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "filesystem_replace",
            description: "Edit a file: replace every occurrence of a text with another text. The rest of the file stays as it is.",
            parameters: [
                "type": "object",
                "properties": [
                    "path": ["type": "string", "description": "The file to edit, relative to the workspace."],
                    "old": ["type": "string", "minLength": 1, "description": "The exact text to find (case-sensitive)."],
                    "new": ["type": "string", "description": "The text to put in its place (empty to delete it)."],
                ],
                "required": ["path", "old", "new"],
                "additionalProperties": false,
            ]
        )
    }

    /// Offered when the policy allows writing somewhere.
    public func isUsable(under policy: CapabilityPolicy) -> Bool { !policy.writablePaths.isEmpty }

    public func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        guard let path = FileToolSupport.path(arguments, "path"), let old = FileToolSupport.string(arguments, "old"),
              let new = FileToolSupport.string(arguments, "new") else {
            return .error("filesystem_replace needs a \"path\", an \"old\" text and a \"new\" text")
        }
        guard !old.isEmpty else { return .error("\"old\" is empty; give the text to replace") }
        let files = WorkspacePath(context)
        let maxFileBytes = maxFileBytes
        return try await FileToolSupport.run(hinting: files) {
            let contents = try files.read(path: path, maxBytes: maxFileBytes)
            guard contents.reachesEnd else {
                return .error("\(path) is \(FileToolSupport.bytes(contents.fileSize)), larger than the \(FileToolSupport.bytes(maxFileBytes)) filesystem_replace edits")
            }
            if FileToolSupport.looksBinary(contents.bytes) { return .error("\(path) is a binary file; filesystem_replace edits text files only") }
            let text = String(decoding: contents.bytes, as: UTF8.self)
            let count = text.ranges(of: old).count
            guard count > 0 else {
                return .error("\(JSONValue.string(old).jsonText) does not occur in \(path) (the search is exact and case-sensitive); read the file to see its text")
            }
            if old == new { return .ok("\(path) is unchanged: the old and new texts are the same") }
            try files.write(path: path, contents: Array(text.replacing(old, with: new).utf8), mode: .overwrite)
            return .ok("replaced \(count) occurrence\(count == 1 ? "" : "s") of \(JSONValue.string(old).jsonText) with \(JSONValue.string(new).jsonText) in \(path)")
        }
    }
}
