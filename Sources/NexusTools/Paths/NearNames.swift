/// The names in a missing path's folder that the caller likely meant: the same name in another
/// case, with another extension or none (`notes` for `notes.txt`, `data.csv` for `data`), or one
/// or two letters off. A model told "no such file" retries blindly; told the near name, it reads
/// the right file.
enum NearNames {
    static let prefix = "no such file or directory: "

    /// A failure message with the near names appended, when it is a missing path and there are any.
    static func hinting(_ message: String, files: WorkspacePath) -> String {
        guard message.hasPrefix(prefix) else { return message }
        let missing = String(message.dropFirst(prefix.count))
        let near = of(missing, files: files)
        guard !near.isEmpty else { return message }
        return message + "; did you mean " + near.map { "'\($0)'" }.joined(separator: " or ") + "?"
    }

    /// For a refused absolute path (`/var/log/access.log`, a model guessing where such files
    /// live), the workspace's own file of that name, as a hint; empty when there is none.
    static func inWorkspace(_ refused: String, files: WorkspacePath) -> String {
        guard refused.hasPrefix("/"), let name = refused.split(separator: "/").last.map(String.init),
              let status = try? files.stat(path: name), status.kind != .symbolicLink else { return "" }
        return "; the workspace has '\(name)\(status.kind == .directory ? "/" : "")': use that relative path"
    }

    /// Near names of `path` in its folder, as paths the model can use (at most three).
    static func of(_ path: String, files: WorkspacePath) -> [String] {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let name = parts.popLast(), !name.isEmpty else { return [] }
        let folder = parts.isEmpty ? "." : parts.joined(separator: "/")
        guard let listing = try? files.list(path: folder.isEmpty ? "/" : folder, maxEntries: 1000) else { return [] }
        let wanted = name.lowercased()
        let near = listing.entries.map(\.path).filter { entry in
            let candidate = entry.lowercased()
            return entry != name && (candidate == wanted || stem(candidate) == stem(wanted)
                || (wanted.count >= 4 && distance(candidate, wanted, atMost: 2) <= 2))
        }
        return near.prefix(3).map { parts.isEmpty ? $0 : FileToolSupport.join(folder, $0) }
    }

    /// A name without its last extension ("notes" for "notes.txt" and for "notes").
    static func stem(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    /// The edit distance of two short names, or `bound + 1` once it is beyond `bound`.
    static func distance(_ a: String, _ b: String, atMost bound: Int) -> Int {
        let a = Array(a), b = Array(b)
        guard abs(a.count - b.count) <= bound else { return bound + 1 }
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            if current.min() ?? 0 > bound { return bound + 1 }
            previous = current
        }
        return previous[b.count]
    }
}
