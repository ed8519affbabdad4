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
    /// It asks for files made, changed or removed: a run that changed nothing has not done it.
    var asksChange: Bool
    /// It asks for arithmetic or a transformation of text (a total, uppercase, sorting), which a
    /// small model gets wrong in its head and right in code.
    var needsCode: Bool

    init(_ task: String) {
        let words = task.lowercased().split { !$0.isLetter }.map(String.init)
        let changes = words.contains { Self.creatingWords.contains($0) || Self.changingWords.contains($0) || Self.removingWords.contains($0) }
        let questioning = task.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("?") || words.first.map(Self.questionWords.contains) == true
        asksQuestion = questioning && !changes
        asksChange = changes && !asksQuestion
        needsCode = words.contains(where: Self.codeWords.contains)
        createsFiles = words.contains(where: Self.creatingWords.contains) && !words.contains(where: Self.removingWords.contains)
    }

    static let codeWords: Set<String> = ["total", "sum", "average", "mean", "calculate", "compute", "uppercase", "lowercase", "sort", "sorted", "reverse", "capitalize"]
    /// The tool that runs code.
    static let codeTool = "python_execute"
    static let questionWords: Set<String> = ["how", "what", "which", "who", "where", "when", "why", "is", "are", "does", "do", "did", "count"]
    static let creatingWords: Set<String> = ["create", "write", "make", "copy", "save", "generate", "produce", "new", "add", "put", "store"]
    static let changingWords: Set<String> = ["fix", "replace", "change", "update", "edit", "append", "modify", "correct", "convert", "sort"]
    static let removingWords: Set<String> = ["delete", "remove", "move", "rename", "erase", "clear", "empty"]

    /// The paths a creating task names after its first creating word ("copy a.txt to b.txt":
    /// both; "count the lines of a.txt and write them into b.txt": b.txt) that do not exist (or
    /// cannot be seen) in the workspace. Paths named before it are what the task works from. A
    /// name with an extension asks for a file: a folder of that name is not it (a small model
    /// told that `fizzbuzz.py` is missing made a folder `fizzbuzz.py`).
    func missingPaths(of task: String, context: ToolContext) -> [String] {
        guard createsFiles else { return [] }
        let words = task.split(whereSeparator: \.isWhitespace)
        guard let first = words.firstIndex(where: { Self.creatingWords.contains($0.lowercased().trimmingCharacters(in: .letters.inverted)) }) else { return [] }
        let files = WorkspacePath(context)
        let asked = words[first...].joined(separator: " ")
        let named = TaskSignature.parameters(of: asked)
        let called = Self.calledFilesOrFolders(in: asked)
        return named.filter { $0.kind == .path || ($0.kind == .name && called.contains($0.value)) }.map(\.value).filter { path in
            do {
                let status = try files.stat(path: path)
                return status.kind == .directory && path.split(separator: "/").last.map(TaskSignature.hasFileExtension) == true
            } catch is PathRefusal {
                return false   // outside the policy: not the run's to create
            } catch {
                return true
            }
        }
    }

    /// Names the task calls a file or folder in so many words ("a file outbox", "a new file called
    /// flag", "the folder invoices"), or puts its result in ("save them to guests_sorted", "write
    /// it into box1"): without an extension they are still paths. A small model asked for "a
    /// file outbox" wrote `outbox.txt` and answered that `outbox` was created.
    static func calledFilesOrFolders(in task: String) -> Set<String> {
        let words = task.split(whereSeparator: \.isWhitespace).map { $0.trimmingCharacters(in: .punctuationCharacters.union(.symbols)) }
        return Set(zip(words, words.dropFirst()).filter { pair in
            let before = pair.0.lowercased()
            return callingWords.contains(before) || destinationWords.contains(before)
        }.map(\.1))
    }

    /// Paths as the loop names them to the model: quoted, separated by commas.
    static func quoted(_ paths: [String]) -> String {
        paths.map { "'\($0)'" }.joined(separator: ", ")
    }

    /// Words right before the name of a file or folder.
    static let callingWords: Set<String> = ["file", "folder", "directory", "subfolder", "called", "named"]

    /// Words right before where a creating task puts what it makes; only a word spelled as a
    /// name (`guests_sorted`, `box1`, `Q3-report`) and not there yet counts, never "the".
    static let destinationWords: Set<String> = ["to", "into", "as"]

    /// Why an answer comes too soon (see `AnswerCheck`), and the tool the next turn must call, if it does.
    struct Unfinished: Equatable {
        /// Which check failed: each sends an answer back at most once per run.
        var check: String
        var message: String
        var tool: String?
        /// The next turn must answer in words, not call a tool.
        var answersNext = false
    }

    /// The task needs code and none ran. Code that failed is asked for once more: the model then sees its error.
    func codeNotRun(task: String, state: RunState) -> Unfinished? {
        let codeRequests = state.sentBack.filter { $0 == "code" }.count
        guard codeRequests < 2, needsCode, !state.ranCode, state.offeredTools?.contains(Self.codeTool) ?? true else { return nil }
        let failed = state.failedCalls.contains { $0.hasPrefix(Self.codeTool + " ") }
        let opening = failed ? "Not done yet: the Python code failed (see its error above). Call \(Self.codeTool) again with corrected code"
            : "Not done yet: do not work this out in your head. Call \(Self.codeTool) with Python code"
        return Unfinished(check: "code", message: opening + " that reads the file, computes the result and prints it (or writes the new file). (Task: \(task))",
                          tool: Self.codeTool)
    }

    /// A path the task asks to create does not exist.
    func pathsMissing(task: String, context: ToolContext, state: RunState) -> Unfinished? {
        guard !state.sentBack.contains("missing") else { return nil }
        let missing = missingPaths(of: task, context: context)
        guard !missing.isEmpty else { return nil }
        let names = Self.quoted(missing)
        let one = missing.count == 1
        return Unfinished(check: "missing", message: "Not done yet: \(names) \(one ? "does" : "do") not exist in the workspace. Call the tool that creates \(one ? "it" : "them"), with the exact path. (Task: \(task))")
    }

    /// The task asks for a change and nothing changed.
    func nothingChanged(task: String, state: RunState) -> Unfinished? {
        guard !state.sentBack.contains("change"), asksChange, !state.changedSomething else { return nil }
        return Unfinished(check: "change", message: "Not done yet: nothing in the workspace has been changed. Call the tool that makes the change the task asks for. (Task: \(task))")
    }
}
