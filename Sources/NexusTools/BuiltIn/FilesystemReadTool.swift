public import NexusCore

/// `filesystem_read`: the text of a file, or a range of its lines.
///
/// `offset` and `limit` count lines (1 is the first line), the unit that search results and error
/// messages use. The file is read up to ``maxScanBytes``; what is shown is further bounded by the
/// policy's output limit, cut at a line boundary with a note saying which `offset` continues.
public struct FilesystemReadTool: Tool {
    /// Most bytes of one file that are read to find lines.
    public var maxScanBytes: Int
    /// Lines shown when the call gives no `limit`.
    public var defaultLineLimit: Int

    public init(maxScanBytes: Int = 8 << 20, defaultLineLimit: Int = 2000) {
        self.maxScanBytes = maxScanBytes
        self.defaultLineLimit = defaultLineLimit
    }

    /// Looks only.
    public var onlyObserves: Bool { true }

    public var keywords: [String] { ["read", "show", "content", "contents", "text", "value", "setting", "config", "lines", "line", "how", "many"] }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "filesystem_read",
            description: "Read a text file. Returns its text and its number of lines. For long files, use offset and limit to read some lines.",
            parameters: [
                "type": "object",
                "properties": [
                    "path": ["type": "string", "description": "File to read, relative to the workspace."],
                    "offset": ["type": "integer", "minimum": 1, "description": "First line to read (1 = first line). Default 1."],
                    "limit": ["type": "integer", "minimum": 1, "description": .string("How many lines to read. Default \(defaultLineLimit).")],
                ],
                "required": ["path"],
                "additionalProperties": false,
            ]
        )
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        guard let path = FileToolSupport.path(arguments, "path") else { return .error("filesystem_read needs a \"path\"") }
        let firstLine = max(1, FileToolSupport.integer(arguments, "offset") ?? 1)
        let lineLimit = max(1, FileToolSupport.integer(arguments, "limit") ?? defaultLineLimit)
        // Room for the note at the end; the registry cuts anything beyond the limit anyway.
        let budget = max(256, context.policy.limits.outputBytes - 200)
        let files = WorkspacePath(context)
        let maxScanBytes = maxScanBytes
        return try await FileToolSupport.run(hinting: files) {
            let contents = try files.read(path: path, maxBytes: maxScanBytes)
            if FileToolSupport.looksBinary(contents.bytes) {
                return .error("\(path) is a binary file (\(FileToolSupport.bytes(contents.fileSize))); filesystem_read shows text files only")
            }
            if contents.fileSize == 0 { return .ok("[\(path) is empty]") }
            return Self.render(path: path, contents: contents, firstLine: firstLine, lineLimit: lineLimit, budget: budget)
        }
    }

    static func render(path: String, contents: FileContents, firstLine: Int, lineLimit: Int, budget: Int) -> ToolResult {
        let text = String(decoding: contents.bytes, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true, contents.reachesEnd { lines.removeLast() }  // the final newline ends a line
        let total = lines.count
        let totalText = contents.reachesEnd ? "\(total)" : "at least \(total)"
        guard firstLine <= total else {
            return .error("\(path) has \(totalText) lines; offset \(firstLine) is past the end")
        }

        var shown = ""
        var used = 0
        var last = firstLine - 1
        var cutByBudget = false
        for number in firstLine...min(total, firstLine + lineLimit - 1) {
            let line = lines[number - 1]
            let size = line.utf8.count + 1
            if used + size > budget {
                if last < firstLine {  // not even one whole line fits: show the start of it
                    shown = OutputLimit.prefix(String(line), maxBytes: budget) + "\n"
                    last = number
                }
                cutByBudget = true
                break
            }
            shown += line + "\n"
            used += size
            last = number
        }
        let complete = firstLine == 1 && last == total && contents.reachesEnd
        if complete {
            // The count is stated, small models miscount lines they can see; first, so that the
            // last thing read is the file's own text, which a question is usually about.
            return .ok("[\(path): \(total) line\(total == 1 ? "" : "s")]\n" + text)
        }
        if !shown.isEmpty { shown.removeLast() }
        var note = "\n[lines \(firstLine)-\(last) of \(totalText)"
        if last < total || !contents.reachesEnd {
            note += "; call filesystem_read with offset \(last + 1) to read on"
        }
        if !contents.reachesEnd {
            note += "; only the first \(FileToolSupport.bytes(contents.bytes.count)) of this \(FileToolSupport.bytes(contents.fileSize)) file can be read"
        }
        return .ok(shown + note + "]", truncated: cutByBudget || !contents.reachesEnd)
    }
}
