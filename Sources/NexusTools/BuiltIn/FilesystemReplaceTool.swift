public import NexusCore

/// `filesystem_replace`: replaces every occurrence of an exact text in a file, leaving the rest of
/// the file as it was. Editing this way spares a model from retyping a whole file to change a word.
/// A pattern or a folder as the path edits each of its files that holds the text (`EditTargets`).
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
                    "path": ["type": "string", "description": "The file to edit, relative to the workspace. A pattern such as docs/*.md edits every matching file."],
                    "old": ["type": "string", "minLength": 1, "description": "The exact text to find (case-sensitive)."],
                    "new": ["type": "string", "description": "The text to put in its place (empty to delete it)."],
                ],
                "required": ["path", "old", "new"],
                "additionalProperties": false,
            ]
        )
    }

    /// Whether a path is a pattern (`docs/*.md`) that names every file it matches, not one file.
    public static func isPattern(_ path: some StringProtocol) -> Bool {
        path.contains(where: "*?[".contains)
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
        let tool = self
        return try await FileToolSupport.run(hinting: files) {
            guard let targets = try EditTargets(path, in: files) else {
                return try tool.replace(old, with: new, in: path, files: files).result(old: old, new: new, path: path)
            }
            return try tool.replace(old, with: new, in: targets, files: files)
        }
    }

    /// Every file a pattern or folder names: the edit is made in those that hold the text. All are
    /// read and checked against the policy first, so a refusal leaves every file as it was.
    private func replace(_ old: String, with new: String, in targets: EditTargets, files: WorkspacePath) throws -> ToolResult {
        guard !targets.paths.isEmpty else {
            return .error("no file matches \(targets.pattern); list the folder to see its files")
        }
        var edits: [(path: String, text: String, count: Int)] = []
        var without: [String] = []
        var refused: [String] = []
        for path in targets.paths {
            switch try planned(old, with: new, in: path, files: files) {
            case (.replaced(let count), let text?): edits.append((path, text, count))
            case (.tooLarge, _), (.binary, _): refused.append(path)
            default: without.append(path)
            }
        }
        guard !edits.isEmpty else {
            return .error("\(JSONValue.string(old).jsonText) does not occur in any of the \(targets.paths.count) file\(targets.paths.count == 1 ? "" : "s") \(targets.pattern) names (the search is exact and case-sensitive); read one to see its text")
        }
        for edit in edits { _ = try files.resolve(edit.path, for: .write) }
        for edit in edits { try files.write(path: edit.path, contents: Array(edit.text.utf8), mode: .overwrite) }
        let total = edits.map(\.count).reduce(0, +)
        var report = "replaced \(total) occurrence\(total == 1 ? "" : "s") of \(JSONValue.string(old).jsonText) with \(JSONValue.string(new).jsonText) in \(edits.count) file\(edits.count == 1 ? "" : "s"): "
            + edits.map { "\($0.path) (\($0.count))" }.joined(separator: ", ")
        if !without.isEmpty { report += "\nwithout the text, unchanged: " + without.joined(separator: ", ") }
        if !refused.isEmpty { report += "\nnot edited (binary or too large): " + refused.joined(separator: ", ") }
        if !targets.isComplete { report += "\n[the folder holds more files than were looked at: narrow the pattern]" }
        return .ok(report)
    }

    private enum Outcome {
        case replaced(Int), absent, unchanged, tooLarge(size: Int, limit: Int), binary

        func result(old: String, new: String, path: String) -> ToolResult {
            switch self {
            case .replaced(let count):
                return .ok("replaced \(count) occurrence\(count == 1 ? "" : "s") of \(JSONValue.string(old).jsonText) with \(JSONValue.string(new).jsonText) in \(path)")
            case .absent:
                return .error("\(JSONValue.string(old).jsonText) does not occur in \(path) (the search is exact and case-sensitive); read the file to see its text")
            case .unchanged:
                return .ok("\(path) is unchanged: the old and new texts are the same")
            case .tooLarge(let size, let limit):
                return .error("\(path) is \(FileToolSupport.bytes(size)), larger than the \(FileToolSupport.bytes(limit)) filesystem_replace edits")
            case .binary:
                return .error("\(path) is a binary file; filesystem_replace edits text files only")
            }
        }
    }

    private func replace(_ old: String, with new: String, in path: String, files: WorkspacePath) throws -> Outcome {
        let (outcome, text) = try planned(old, with: new, in: path, files: files)
        if let text { try files.write(path: path, contents: Array(text.utf8), mode: .overwrite) }
        return outcome
    }

    /// What the edit would do to `path`, and the file's new text when it changes.
    private func planned(_ old: String, with new: String, in path: String, files: WorkspacePath) throws -> (Outcome, String?) {
        let contents = try files.read(path: path, maxBytes: maxFileBytes)
        guard contents.reachesEnd else { return (.tooLarge(size: contents.fileSize, limit: maxFileBytes), nil) }
        if FileToolSupport.looksBinary(contents.bytes) { return (.binary, nil) }
        let text = String(decoding: contents.bytes, as: UTF8.self)
        let count = text.ranges(of: old).count
        guard count > 0 else { return (.absent, nil) }
        if old == new { return (.unchanged, nil) }
        return (.replaced(count), text.replacing(old, with: new))
    }
}

/// The files one edit applies to when its path is a pattern (`docs/*.md`, `notes/**/*.txt`) or a
/// folder (its files): what a model means by "in every .md file in docs". A pattern without `/`
/// after its folder matches that folder's own files, as a shell does; `**` reaches below.
struct EditTargets {
    let pattern: String
    let paths: [String]
    let isComplete: Bool

    static let maxEntries = 5_000

    /// Nil when `path` is one file (or nothing yet), to be edited as itself.
    init?(_ path: String, in files: WorkspacePath) throws {
        let names = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var folder: [String]
        var rest: [String]
        if let first = names.firstIndex(where: FilesystemReplaceTool.isPattern) {
            folder = Array(names[..<first])
            rest = Array(names[first...])
        } else if (try? files.stat(path: path).kind) == .directory {
            folder = names
            rest = ["*"]
        } else {
            return nil
        }
        folder = folder.filter { $0 != "." }
        let base = path.hasPrefix("/") ? "/" + folder.joined(separator: "/") : (folder.isEmpty ? "." : folder.joined(separator: "/"))
        let glob = SearchGlob(rest.joined(separator: "/"))
        let below = rest.count > 1
        let listing = try files.list(path: base, recursive: below, maxEntries: Self.maxEntries, notDescending: [".git"])
        pattern = path
        paths = listing.entries
            .filter { $0.status.kind == .file && $0.status.linkCount == 1 && glob.matches($0.path) }
            .map { FileToolSupport.join(base, $0.path) }
            .sorted()
        isComplete = listing.isComplete
    }
}
