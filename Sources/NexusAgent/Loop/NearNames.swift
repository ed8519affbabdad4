import Foundation
import NexusCore
import NexusTools

/// The file a failed program meant. When a program stops on a path that does not exist ("No such
/// file or directory: 'guests.txt'") and its folder holds that name without the extension the
/// model added, with another extension, or in another case (`guests`), the fix turn is told so.
/// Asked to sort a file `guests`, the small model read `guests.txt` in its first program and in
/// every fix after it.
enum NearNames {
    /// How the loop's message about such a path begins.
    static let lead = "The file the program opened does not exist: "

    /// What the next program is told, or nil when the output names no missing path or its
    /// folder holds nothing close (or more than three close names, which would be a guess).
    static func hint(for output: String, context: ToolContext) -> String? {
        guard let asked = missingPath(in: output, workspace: context.workspace) else { return nil }
        let folder = (asked as NSString).deletingLastPathComponent
        let name = (asked as NSString).lastPathComponent
        guard let listing = try? WorkspacePath(context).list(path: folder.isEmpty ? "." : folder, maxEntries: 400) else { return nil }
        let near = listing.entries.map(\.path).filter { isNear($0, to: name) }
        guard !near.isEmpty, near.count <= 3 else { return nil }
        let shown = near.map { folder.isEmpty ? $0 : folder + "/" + $0 }
        return lead + "'\(asked)'. The workspace has \(TaskIntent.quoted(shown)); use exactly that name."
    }

    /// The path of Python's "No such file or directory: 'PATH'", relative to the workspace; nil
    /// for none, or for one outside it.
    static func missingPath(in output: String, workspace: URL) -> String? {
        let marker = "No such file or directory: '"
        guard let start = output.range(of: marker, options: .backwards)?.upperBound,
              let end = output[start...].firstIndex(of: "'") else { return nil }
        var path = String(output[start..<end])
        if path.hasPrefix("/") {
            let root = workspace.standardizedFileURL.path + "/"
            guard path.hasPrefix(root) else { return nil }
            path.removeFirst(root.count)
        }
        if path.hasPrefix("./") { path.removeFirst(2) }
        return path.isEmpty || path.split(separator: "/").contains("..") ? nil : path
    }

    /// Whether `entry` is `name` with another extension, without one, or in another case.
    static func isNear(_ entry: String, to name: String) -> Bool {
        guard entry != name else { return false }
        func stem(_ text: String) -> String { (text as NSString).deletingPathExtension.lowercased() }
        return entry.lowercased() == name.lowercased() || (!stem(entry).isEmpty && stem(entry) == stem(name))
    }
}
