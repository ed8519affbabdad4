import NexusCore

/// Small models often write a tool call as text instead of in their template's markup: bare JSON
/// (`{"name": ..., "arguments": ...}`), in a Markdown fence or a tag of their own (`<json>`),
/// after a short preamble ("Here's the function call:"), or the same call several times over.
/// Servers that only parse the markup take that as a final answer. Nexus reads such a reply as
/// its calls when, wrappers aside, it is nothing but calls to offered tools, each led at most by
/// the same short preamble; anything more (prose that shows JSON, an explanation after it, a call
/// to a tool not offered) stays text.
enum BareToolCalls {
    /// The longest preamble taken for an introduction rather than an answer.
    static let preambleLimit = 200

    /// The calls in `content`, repeats folded, or nil when it is anything but calls to offered tools.
    /// - Parameters:
    ///   - parallel: keep every distinct call; otherwise only the first.
    ///   - cutOff: the output stopped at its token limit, so a last call that is not whole JSON is
    ///     dropped when complete calls come before it.
    static func extract(from content: String, tools: [ToolDefinition], parallel: Bool, cutOff: Bool = false) -> [(name: String, arguments: String, id: String)]? {
        let names = Set(tools.map(\.name))
        let text = withoutWrappers(content)
        var calls: [(name: String, arguments: String, id: String)] = []
        var seen = Set<String>()
        var preamble: String?
        var position = text.startIndex
        while let open = text[position...].firstIndex(where: { $0 == "{" || $0 == "[" }) {
            let lead = text[position..<open].trimmingCharacters(in: .whitespacesAndNewlines)
            if calls.isEmpty {
                guard lead.count <= preambleLimit else { return nil }
                preamble = lead
            } else if !lead.isEmpty, lead != preamble {
                return nil
            }
            guard let end = endOfJSON(in: text, from: open) else {
                // An unclosed value at the end: the limit cut the last call.
                if cutOff, !calls.isEmpty { position = text.endIndex; break }
                return nil
            }
            guard let value = try? JSONValue.parse(String(text[open..<end])) else { return nil }
            for candidate in value.arrayValue ?? [value] {
                guard let call = call(in: candidate, names: names) else { return nil }
                if seen.insert(call.name + "\u{0}" + call.arguments).inserted {
                    calls.append(call)
                }
            }
            position = end
        }
        guard !calls.isEmpty, text[position...].allSatisfy(\.isWhitespace) else { return nil }
        return parallel ? calls : [calls[0]]
    }

    /// A `{"name", "arguments"}` object naming an offered tool, as a call; nil for anything else.
    private static func call(in candidate: JSONValue, names: Set<String>) -> (name: String, arguments: String, id: String)? {
        guard let object = candidate.objectValue, let name = object["name"]?.stringValue, names.contains(name) else { return nil }
        guard object.keys.allSatisfy({ ["name", "arguments", "parameters", "id", "type"].contains($0) }) else { return nil }
        let arguments = object["arguments"] ?? object["parameters"] ?? [:]
        switch arguments {
        case .object: return (name: name, arguments: arguments.jsonText, id: "")
        case .string(let text): return (name: name, arguments: text, id: "")
        default: return nil
        }
    }

    /// The text without lines that only wrap a call: Markdown fences and lone tags (`<json>`, `</tool_call>`).
    private static func withoutWrappers(_ content: String) -> String {
        content.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") { return trimmed.dropFirst(3).contains { !$0.isLetter } }
            let isTag = trimmed.hasPrefix("<") && trimmed.hasSuffix(">") && trimmed.count <= 24
                && trimmed.dropFirst().dropLast().allSatisfy { $0.isLetter || $0 == "_" || $0 == "/" }
            return !isTag
        }.joined(separator: "\n")
    }

    /// The index just past the JSON object or array that opens at `start`, or nil when it does
    /// not close. Brackets inside strings do not count.
    static func endOfJSON(in text: String, from start: String.Index) -> String.Index? {
        var depth = 0
        var inString = false
        var escaped = false
        var index = start
        while index < text.endIndex {
            let character = text[index]
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
            } else if character == "\"" {
                inString = true
            } else if character == "{" || character == "[" {
                depth += 1
            } else if character == "}" || character == "]" {
                depth -= 1
                if depth == 0 { return text.index(after: index) }
            }
            index = text.index(after: index)
        }
        return nil
    }
}
