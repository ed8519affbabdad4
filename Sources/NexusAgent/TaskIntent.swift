import Foundation
import NexusCore
import NexusStore
import NexusTools

/// What a task asks for, read from its words: an answer to a question, or files made.
///
/// Small models mix the two up: asked how many files a folder holds, they write over one of
/// them; asked to write a file, they answer as if they had. The loop uses the intent to offer a
/// question only the tools that find things out, and to check that a run asked to create
/// something has created what the task names before it ends.
struct TaskIntent: Sendable {
    /// A question (it ends in "?" or opens with a question word) that asks for no change.
    var asksQuestion: Bool
    /// It asks for something new (create, write, copy, ...) and nothing removed or moved, so every
    /// path it names should exist when it is done.
    var createsFiles: Bool

    init(_ task: String) {
        let words = task.lowercased().split { !$0.isLetter }.map(String.init)
        let changes = words.contains { Self.creatingWords.contains($0) || Self.changingWords.contains($0) || Self.removingWords.contains($0) }
        let questioning = task.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("?") || words.first.map(Self.questionWords.contains) == true
        asksQuestion = questioning && !changes
        createsFiles = words.contains(where: Self.creatingWords.contains) && !words.contains(where: Self.removingWords.contains)
    }

    static let questionWords: Set<String> = ["how", "what", "which", "who", "where", "when", "why", "is", "are", "does", "do", "did", "count"]
    static let creatingWords: Set<String> = ["create", "write", "make", "copy", "save", "generate", "produce", "new", "add", "put", "store"]
    static let changingWords: Set<String> = ["fix", "replace", "change", "update", "edit", "append", "modify", "correct", "set", "convert", "sort"]
    static let removingWords: Set<String> = ["delete", "remove", "move", "rename", "erase", "clear", "empty"]

    /// The paths a creating task names that do not exist (or cannot be seen) in the workspace.
    func missingPaths(of task: String, context: ToolContext) -> [String] {
        guard createsFiles else { return [] }
        let files = WorkspacePath(context)
        return TaskSignature.parameters(of: task).filter { $0.kind == .path }.map(\.value).filter { path in
            do {
                _ = try files.stat(path: path)
                return false
            } catch is PathRefusal {
                return false   // outside the policy: not the run's to create
            } catch {
                return true
            }
        }
    }

    /// What the model is told when it answers before the files exist.
    static func notDone(_ missing: [String], task: String) -> String {
        let names = missing.map { "'\($0)'" }.joined(separator: ", ")
        return "Not done yet: \(names) \(missing.count == 1 ? "does" : "do") not exist in the workspace. Call the tool that creates \(missing.count == 1 ? "it" : "them"), with the exact path. (Task: \(task))"
    }
}
