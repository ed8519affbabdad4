import NexusCore

/// Small models sometimes write a tool call as bare JSON (`{"name": ..., "arguments": ...}`),
/// without the markers their template asks for. Servers that only parse the markers take that as
/// a final answer; Nexus recognises it when the whole reply is such calls to offered tools.
enum BareToolCalls {
    /// The calls in `content`, or nil when it is anything but calls to offered tools.
    /// - Parameters:
    ///   - parallel: keep every call; otherwise only the first.
    ///   - cutOff: the output stopped at its token limit, so a last line that is not whole JSON is
    ///     dropped when complete calls come before it.
    static func extract(from content: String, tools: [ToolDefinition], parallel: Bool, cutOff: Bool = false) -> [(name: String, arguments: String, id: String)]? {
        var text = content.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("```") {
            text = text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
                .filter { !$0.hasPrefix("```") }.joined(separator: "\n")
        }
        guard text.hasPrefix("{") || text.hasPrefix("[") else { return nil }
        let names = Set(tools.map(\.name))
        var candidates: [JSONValue] = []
        if let whole = try? JSONValue.parse(text) {
            candidates = whole.arrayValue ?? [whole]
        } else {
            let lines = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            for (index, line) in lines.enumerated() {
                guard let value = try? JSONValue.parse(String(line)) else {
                    if cutOff, index == lines.count - 1, !candidates.isEmpty { break }
                    return nil
                }
                candidates.append(value)
            }
        }
        var calls: [(name: String, arguments: String, id: String)] = []
        for candidate in candidates {
            guard let name = candidate["name"]?.stringValue, names.contains(name) else { return nil }
            let arguments = candidate["arguments"] ?? candidate["parameters"] ?? [:]
            calls.append((name: name, arguments: arguments.stringValue ?? arguments.jsonText, id: ""))
        }
        guard !calls.isEmpty else { return nil }
        return parallel ? calls : [calls[0]]
    }
}
