#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
public import NexusCore

/// `filesystem_search`: finds files by name (a glob) and/or lines containing a text.
///
/// A glob without `/` matches file names at any depth (`*.py`); with `/` it matches the path below
/// the searched folder, `**` standing for any number of folders (`src/**/*.txt`, `**/test_*.py`).
/// Text search is plain substring matching (case-sensitive, then in any case when that finds
/// nothing; see ``searchAsMeant(in:glob:text:files:)``), one result per matching line as
/// `path:line: text`. Links, hard-linked files, binary files and `.git` folders are skipped, and the
/// search stops at ``maxMatches`` results or ``maxFiles`` visited entries.
public struct FilesystemSearchTool: Tool {
    public var maxMatches: Int
    public var maxFiles: Int
    /// Most bytes of one file searched for text.
    public var maxFileBytes: Int

    public init(maxMatches: Int = 200, maxFiles: Int = 20_000, maxFileBytes: Int = 4 << 20) {
        self.maxMatches = maxMatches
        self.maxFiles = maxFiles
        self.maxFileBytes = maxFileBytes
    }

    /// Looks only.
    public var onlyObserves: Bool { true }

    public var keywords: [String] { ["find", "search", "which", "contains", "mentions", "containing", "word", "grep", "pattern", "where"] }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "filesystem_search",
            // No sample of the result's layout here: small models copy such samples into their arguments.
            description: "Find files by name pattern, and/or the lines of files that contain a word or phrase. Each found line comes with its file and line number.",
            parameters: [
                "type": "object",
                "properties": [
                    "path": ["type": "string", "description": "Folder to search in. Default: \".\" (the workspace).", "default": "."],
                    "glob": ["type": "string", "description": "File name pattern, like \"*.py\" or \"**/*.txt\"."],
                    "text": ["type": "string", "minLength": 1, "description": "The word or phrase to find inside the files."],
                ],
                "additionalProperties": false,
            ]
        )
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        let path = FileToolSupport.path(arguments, "path") ?? "."
        let glob = FileToolSupport.string(arguments, "glob").flatMap { $0.isEmpty ? nil : $0 }
        let text = FileToolSupport.string(arguments, "text").flatMap { $0.isEmpty ? nil : $0 }
        guard glob != nil || text != nil else {
            return .error("give \"glob\" (like \"*.py\"), \"text\" (a word to find), or both")
        }
        let files = WorkspacePath(context)
        let search = self
        return try await FileToolSupport.run(hinting: files) {
            try search.searchAsMeant(in: path, glob: glob, text: text, files: files)
        }
    }

    /// A search that finds nothing is tried again the way a model may have meant it: a regular
    /// expression given as the glob (`.*\.(txt|md)$`) as a regular expression over file names, a
    /// glob that matches no file name left out when there is a text, and the text in any case;
    /// the result says so. Text that reads as a regular expression and
    /// finds nothing gets a note that text is matched as written.
    private func searchAsMeant(in path: String, glob: String?, text: String?, files: WorkspacePath) throws -> ToolResult {
        var matcher = glob.map(SearchGlob.init)
        let exact = try search(in: path, glob: glob, matcher: matcher, text: text, ignoringCase: false, files: files)
        guard exact.found == 0 else { return exact.result }
        var notes: [String] = []
        var best = exact
        if let glob, let expression = SearchGlob(regularExpression: glob) {
            matcher = expression
            notes.append("the pattern \(glob) was read as a regular expression over file names")
            best = try search(in: path, glob: glob, matcher: expression, text: text, ignoringCase: false, files: files)
            if best.found > 0 { return Self.noted(best.result, notes) }
        }
        if let glob, let text, try search(in: path, glob: glob, matcher: matcher, text: nil, ignoringCase: false, files: files).found == 0 {
            // A pattern that names no file at all (a model often puts the word it looks for in
            // the glob too) would hide every line that holds the text: it is left out.
            notes = ["no file name matches \(glob), so every file was searched"]
            matcher = nil
            best = try search(in: path, glob: nil, matcher: nil, text: text, ignoringCase: false, files: files)
            if best.found > 0 { return Self.noted(best.result, notes) }
        }
        if let text {
            let anyCase = try search(in: path, glob: matcher == nil ? nil : glob, matcher: matcher, text: text, ignoringCase: true, files: files)
            if anyCase.found > 0 {
                return Self.noted(anyCase.result, notes + ["no line contains \(JSONValue.string(text).jsonText) exactly as written; these contain it in another case"])
            }
            if text.contains(where: "*+?^$|[]\\".contains) {
                notes.append("text is matched as written, not as a regular expression: search for a plain word of it")
            }
        }
        return notes.isEmpty ? exact.result : Self.noted(best.result, notes)
    }

    private static func noted(_ result: ToolResult, _ notes: [String]) -> ToolResult {
        ToolResult(status: result.status, content: result.content + "\n[" + notes.joined(separator: "; ") + "]", truncated: result.truncated)
    }

    private func search(in path: String, glob: String?, matcher pattern: SearchGlob?, text: String?, ignoringCase: Bool,
                        files: WorkspacePath) throws -> (result: ToolResult, found: Int) {
        let listing = try files.list(path: path, recursive: true, maxEntries: maxFiles, notDescending: [".git"])
        var results: [String] = []
        var matchedFiles = 0
        var skipped = 0
        var stoppedEarly = !listing.isComplete
        for entry in listing.entries where entry.status.kind == .file {
            if let pattern, !pattern.matches(entry.path) { continue }
            let shownPath = FileToolSupport.join(path, entry.path)
            guard let text else {
                guard results.count < maxMatches else { stoppedEarly = true; break }
                results.append(shownPath)
                matchedFiles += 1
                continue
            }
            guard entry.status.linkCount == 1 else { skipped += 1; continue }
            let contents: FileContents
            do {
                contents = try files.read(path: shownPath, maxBytes: maxFileBytes)
            } catch {
                skipped += 1
                continue
            }
            if FileToolSupport.looksBinary(contents.bytes) { continue }
            var found = false
            var number = 0
            let wanted = ignoringCase ? text.lowercased() : text
            for line in String(decoding: contents.bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
                number += 1
                guard (ignoringCase ? line.lowercased() : String(line)).contains(wanted) else { continue }
                guard results.count < maxMatches else { stoppedEarly = true; break }
                results.append("\(shownPath):\(number): \(Self.excerpt(line))")
                found = true
            }
            if found { matchedFiles += 1 }
            if stoppedEarly { break }
        }

        var summary: String
        let what = [glob.map { "files matching \($0)" }, text.map { "lines containing \(JSONValue.string($0).jsonText)" }]
            .compactMap { $0 }.joined(separator: " with ")
        if results.isEmpty {
            summary = "[no \(what) in \(path)"
        } else if text != nil {
            summary = "[\(results.count) matching line\(results.count == 1 ? "" : "s") in \(matchedFiles) file\(matchedFiles == 1 ? "" : "s")"
        } else {
            summary = "[\(results.count) file\(results.count == 1 ? "" : "s")"
        }
        if skipped > 0 { summary += "; \(skipped) file\(skipped == 1 ? "" : "s") skipped (unreadable or hard-linked)" }
        if stoppedEarly { summary += "; the search stopped early: narrow the path or the pattern" }
        summary += "]"
        return (.ok((results + [summary]).joined(separator: "\n"), truncated: stoppedEarly), results.count)
    }

    /// A matching line, trimmed to 200 characters.
    static func excerpt(_ line: Substring) -> String {
        var line = line
        while line.last?.isWhitespace == true { line.removeLast() }
        return line.count <= 200 ? String(line) : String(line.prefix(200)) + "…"
    }
}

/// A glob over `/`-separated relative paths: `*`, `?` and `[...]` within one name, `**` for any
/// number of folders. A pattern without `/` matches the last name only. Made from a regular
/// expression (what a model often gives as a file pattern), it matches names by that expression.
struct SearchGlob: @unchecked Sendable {
    let segments: [String]
    let matchesNameOnly: Bool
    /// Set when the pattern is a regular expression; NSRegularExpression is immutable and thread-safe.
    let expression: NSRegularExpression?

    init(_ pattern: String) {
        var text = pattern
        while text.hasPrefix("./") { text.removeFirst(2) }
        matchesNameOnly = !text.contains("/")
        segments = text.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        expression = nil
    }

    /// A pattern that reads as a regular expression (`.*\.log$`, `^report`, `(a|b)\.txt`) and is
    /// one; nil for a plain glob.
    init?(regularExpression pattern: String) {
        let regexOnly = [".*", ".+", "\\.", "\\d", "\\w", "|", "(", "+"]
        guard regexOnly.contains(where: pattern.contains) || pattern.hasPrefix("^") || pattern.hasSuffix("$"),
              let expression = try? NSRegularExpression(pattern: pattern) else { return nil }
        self.expression = expression
        matchesNameOnly = !pattern.contains("/")
        segments = []
    }

    func matches(_ path: String) -> Bool {
        let names = path.split(separator: "/").map(String.init)
        if let expression {
            let subject = matchesNameOnly ? names.last ?? path : path
            return expression.firstMatch(in: subject, range: NSRange(subject.startIndex..., in: subject)) != nil
        }
        if matchesNameOnly {
            guard let name = names.last, let segment = segments.first else { return false }
            return Self.matches(segment, name)
        }
        return Self.matches(segments[...], names[...])
    }

    private static func matches(_ segments: ArraySlice<String>, _ names: ArraySlice<String>) -> Bool {
        guard let segment = segments.first else { return names.isEmpty }
        if segment == "**" {
            let rest = segments.dropFirst()
            return (names.startIndex...names.endIndex).contains { matches(rest, names[$0...]) }
        }
        guard let name = names.first, matches(segment, name) else { return false }
        return matches(segments.dropFirst(), names.dropFirst())
    }

    private static func matches(_ segment: String, _ name: String) -> Bool {
        fnmatch(segment, name, 0) == 0
    }
}
