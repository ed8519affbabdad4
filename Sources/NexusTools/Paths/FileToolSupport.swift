import Dispatch
import Foundation
import NexusCore

/// What the file tools share: reading their arguments, running blocking file work off the
/// cooperative pool, and turning refusals and failures into results.
public enum FileToolSupport {
    static func string(_ arguments: JSONValue, _ key: String) -> String? {
        arguments[key]?.stringValue
    }

    /// A path argument as the model meant it: without the quotes, backticks and spaces small
    /// models wrap paths in, and with Windows separators (`.\\data.csv`) read as `/`.
    static func path(_ arguments: JSONValue, _ key: String) -> String? {
        string(arguments, key).map(cleanPath)
    }

    /// A path as the file tools read it (see `path(_:_:)`); HOPE's post-conditions name paths the same way.
    public static func cleanPath(_ path: String) -> String {
        path.trimmingCharacters(in: CharacterSet(charactersIn: " \t\n\"'`")).replacingOccurrences(of: "\\", with: "/")
    }

    static func integer(_ arguments: JSONValue, _ key: String) -> Int? {
        arguments[key]?.numberValue.flatMap { Int(exactly: $0) }
    }

    static func bool(_ arguments: JSONValue, _ key: String) -> Bool? {
        arguments[key]?.boolValue
    }

    /// Runs blocking work (file system calls) on a Dispatch thread, then maps a ``PathRefusal`` to a
    /// `.refused` result and a `NexusError` to an `.error` result; other errors are rethrown. With
    /// `files`, a missing path's error names the near names in its folder, and a refused path
    /// outside the workspace names a workspace file of that name (``NearNames``).
    static func run(hinting files: WorkspacePath? = nil, _ work: @escaping @Sendable () throws -> ToolResult) async throws -> ToolResult {
        do {
            return try await BlockingWork.run {
                do {
                    return try work()
                } catch let error as NexusError where files != nil {
                    throw NexusError(error.code, NearNames.hinting(error.message, files: files!))
                }
            }
        } catch let refusal as PathRefusal {
            return .refused(refusal.message + (files.map { NearNames.inWorkspace(refusal.path, files: $0) } ?? ""))
        } catch let error as NexusError {
            return .error(error.message)
        }
    }

    /// "1234 bytes", "1 byte".
    static func bytes(_ count: Int) -> String {
        count == 1 ? "1 byte" : "\(count) bytes"
    }

    /// The path a model should use for `relative` inside the directory it called `base`.
    static func join(_ base: String, _ relative: String) -> String {
        var base = base
        while base.count > 1, base.hasSuffix("/") { base.removeLast() }
        if base.isEmpty || base == "." { return relative }
        return base == "/" ? "/" + relative : base + "/" + relative
    }

    /// The last name of a path ("b.txt" for "a/b.txt/"), for copying or moving into a folder.
    static func lastName(of path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// Whether bytes look like a binary file (a NUL byte near the start).
    static func looksBinary(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.prefix(8192).contains(0)
    }
}
