import Foundation
import NexusCore
import NexusStore
import NexusTools

/// The post-conditions of a run (`PostConditions`): derived from the calls it made, kept with its
/// trace when it succeeds, and checked again on a replay's end state, mapped to the new task.
///
/// Only the file tools' effects are known: what `python_execute` or a command did is not, so a
/// trace whose files came from code is checked on its answer alone.
enum ReplayPostConditions {
    /// Longest file text kept: beyond it only the path's state is checked.
    static let longestText = 4096

    /// The post-conditions a run's successful calls leave, and where its answer's values came from.
    static func derive(task: String, calls: [(tool: String, arguments: JSONValue)], results: [String], answer: String) -> PostConditions {
        PostConditions(files: files(of: calls, task: task), answer: sources(of: answer, task: task, results: results))
    }

    /// The state each path named by the calls is left in, the last call on a path deciding it.
    static func files(of calls: [(tool: String, arguments: JSONValue)], task: String) -> [PostConditions.FileCondition] {
        var byPath: [String: PostConditions.FileCondition] = [:]
        var order: [String] = []
        func set(_ path: String, _ state: PostConditions.FileCondition.State, text: String? = nil, contains: String? = nil) {
            if byPath[path] == nil { order.append(path) }
            let kept = text.flatMap { $0.utf8.count <= longestText ? $0 : nil }
            byPath[path] = .init(path: path, state: state, text: kept, contains: kept == nil ? contains : nil,
                                 fromTask: fromTask(kept ?? contains, task: task))
        }
        for (tool, arguments) in calls {
            func path(_ key: String) -> String? { arguments[key]?.stringValue.map(normalized).flatMap { $0.isEmpty ? nil : $0 } }
            switch tool {
            case "filesystem_write":
                guard let target = path("path"), let content = arguments["content"]?.stringValue else { continue }
                if arguments["mode"]?.stringValue == "append" {
                    let before = byPath[target]?.text
                    set(target, .file, text: before.map { $0 + content }, contains: content)
                } else {
                    set(target, .file, text: content)
                }
            case "filesystem_copy":
                guard let source = path("source"), let destination = path("destination") else { continue }
                set(destination, .file, text: byPath[source]?.text)
            case "filesystem_move":
                guard let source = path("source"), let destination = path("destination") else { continue }
                let moved = byPath[source]
                set(source, .absent)
                set(destination, moved?.state == .folder ? .folder : .exists, text: moved?.text)
            case "filesystem_mkdir":
                guard let target = path("path") else { continue }
                set(target, .folder)
            case "filesystem_delete":
                guard let target = path("path") else { continue }
                set(target, .absent)
            case "filesystem_replace":
                // A pattern (`docs/*.md`) names no one file whose text could be checked.
                guard let target = path("path"), !FilesystemReplaceTool.isPattern(target), let old = arguments["old"]?.stringValue, let new = arguments["new"]?.stringValue else { continue }
                let before = byPath[target]?.text
                set(target, .file, text: before.map { $0.replacingOccurrences(of: old, with: new) }, contains: new.isEmpty ? nil : new)
            default:
                continue
            }
        }
        return order.compactMap { byPath[$0] }
    }

    /// Where each value of `answer` came from: the task, a result (by step, from 1), or the
    /// number of lines of a result.
    static func sources(of answer: String, task: String, results: [String]) -> [PostConditions.ValueSource] {
        let byTask = AnswerGrounding(task: task, results: [])
        // Per result: the values it shows (its words or its line count), and those it states.
        let byResult = results.map { result in
            (shows: AnswerGrounding(task: "", results: [result]),
             states: AnswerGrounding(task: "", results: [], arguments: [AnswerGrounding.body(of: result)]))
        }
        var seen: Set<String> = []
        return AnswerGrounding.values(in: answer).filter { seen.insert($0.lowercased()).inserted }.map { value in
            if byTask.ungrounded(value).isEmpty { return .init(value: value, source: "task") }
            for (index, result) in byResult.enumerated() where result.shows.ungrounded(value).isEmpty {
                return .init(value: value, source: "\(result.states.ungrounded(value).isEmpty ? "result" : "count") of step \(index + 1)")
            }
            return .init(value: value, source: "nowhere")
        }
    }

    /// The conditions of another task's run, for this one: its changed words put in place of
    /// that task's in paths, and in texts that came from that task (others are checked by state).
    static func mapped(_ conditions: [PostConditions.FileCondition], binding: TaskBinding) -> [PostConditions.FileCondition] {
        conditions.map { condition in
            var mapped = condition
            mapped.path = binding.substituted(condition.path)
            mapped.text = condition.fromTask ? condition.text.map(binding.substituted) : nil
            mapped.contains = condition.fromTask ? condition.contains.map(binding.substituted) : nil
            return mapped
        }
    }

    /// Why the first of `conditions` that the workspace does not meet fails, or nil when all hold.
    static func firstFailure(of conditions: [PostConditions.FileCondition], in files: WorkspacePath) -> String? {
        for condition in conditions {
            let kind: FileStatus.Kind?
            do {
                kind = try files.stat(path: condition.path).kind
            } catch is PathRefusal {
                return "\(condition.path) cannot be checked: it is outside what the run may see"
            } catch {
                kind = nil
            }
            switch (condition.state, kind) {
            case (.absent, nil): continue
            case (.absent, _): return "\(condition.path) should be gone but is still there"
            case (_, nil): return "\(condition.path) should exist but does not"
            case (.folder, let kind?) where kind != .directory: return "\(condition.path) should be a folder"
            case (.file, let kind?) where kind != .file: return "\(condition.path) should be a file"
            default: break
            }
            guard condition.text != nil || condition.contains != nil else { continue }
            guard let contents = try? files.read(path: condition.path, maxBytes: longestText * 4 + 1), contents.reachesEnd else {
                return "\(condition.path) cannot be read back"
            }
            let text = String(decoding: contents.bytes, as: UTF8.self)
            if let expected = condition.text, text != expected {
                return "\(condition.path) holds \(quoted(text)), not \(quoted(expected))"
            }
            if let part = condition.contains, !text.contains(part) {
                return "\(condition.path) does not contain \(quoted(part))"
            }
        }
        return nil
    }

    /// Whether every word of `text` is a word of the task.
    private static func fromTask(_ text: String?, task: String) -> Bool {
        guard let text else { return false }
        let taskWords = Set(LiteralScan.tokens(of: task))
        return LiteralScan.tokens(of: text).allSatisfy(taskWords.contains)
    }

    /// A path as the file tools read it (`FileToolSupport.cleanPath`), without a leading "./" or a
    /// trailing "/", so two spellings of one path are one condition.
    private static func normalized(_ path: String) -> String {
        var path = FileToolSupport.cleanPath(path)
        while path.hasPrefix("./") { path.removeFirst(2) }
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path
    }

    private static func quoted(_ text: String) -> String {
        "\"" + (text.count > 60 ? text.prefix(60) + "…" : text) + "\""
    }
}
