import Foundation
import NexusCore
import NexusTools

/// The files and folders of the workspace a task names ("the quantity column in sales.csv",
/// "the folder photos", "sort guests"), looked at by the runtime before the model's first turn,
/// the way an IDE assistant attaches the files a request mentions: a file is read, a folder
/// listed. A small model that starts from what is there guesses fewer names (`notes.txt` for
/// `notes`, `/var/log/access.log` for `access.log`) and spends no turn finding them.
enum NamedPaths {
    /// Most paths looked at before the first turn.
    static let limit = 3
    /// A file larger than this is not read ahead: the model reads what it needs of it.
    static let largestFile = 16 << 10

    /// The calls that look at what `task` names and `policy` lets the run read, in the task's order.
    static func lookups(for task: String, context: ToolContext) -> [(tool: String, arguments: JSONValue)] {
        let files = WorkspacePath(context)
        var seen: Set<String> = []
        var calls: [(tool: String, arguments: JSONValue)] = []
        for candidate in candidates(in: task) where calls.count < limit {
            guard seen.insert(candidate).inserted, let status = try? files.stat(path: candidate) else { continue }
            switch status.kind {
            case .file where status.size <= largestFile && status.linkCount == 1:
                calls.append(("filesystem_read", ["path": .string(candidate)]))
            case .directory:
                calls.append(("filesystem_list", ["path": .string(candidate)]))
            default:
                continue
            }
        }
        return calls
    }

    /// Quotes and brackets a task may put around a name (`'a.txt'`, "(photos)").
    private static let quoting = CharacterSet(charactersIn: "\"'`“”‘’()[]<>")

    /// The task's words as the paths they may be: quotes, backticks and closing punctuation
    /// dropped, relative only (a run names its own files), never `.` or `..` alone.
    static func candidates(in task: String) -> [String] {
        task.split(whereSeparator: \.isWhitespace).compactMap { word in
            var text = String(word).trimmingCharacters(in: quoting)
            while let last = text.last, ",;:!?.".contains(last) { text.removeLast() }
            text = text.trimmingCharacters(in: quoting)
            while text.hasPrefix("./") { text.removeFirst(2) }
            guard !text.isEmpty, !text.hasPrefix("/"), !text.hasPrefix("~"), text != ".", text != "..",
                  !text.split(separator: "/").contains("..") else { return nil }
            return text
        }
    }
}
