import Foundation

/// Whether the values a final answer states come from the run: a number, a version or a file
/// name is grounded when the task, a tool's result or the arguments of a call that succeeded
/// show it, or when it counts the lines of a result (a listing's entries). Anything else was
/// made up, whoever wrote it: the model, a replayed trace or a module.
///
/// This is a property of every run, not a per-task rule: nothing here knows what the task asks.
/// Words without digits, dots or slashes ("Welcome", "cinnamon") are not checked: they cannot
/// be told from the answer's own wording.
public struct AnswerGrounding: Sendable {
    /// The lowercased value tokens of every source.
    private let tokens: Set<String>
    /// The numbers every source states, and the line counts of the results.
    private let numbers: Set<Double>

    /// - Parameters:
    ///   - task: The run's task: its own values are grounded.
    ///   - results: The tools' results, as the model saw them.
    ///   - arguments: The arguments of calls that succeeded, as text (a name the model chose for a file it wrote).
    public init(task: String, results: [String], arguments: [String] = []) {
        // A program's result counts by what it printed: "exit code 0" states no value of the workspace.
        let results = results.map { Self.observed(Derivation.programOutput(of: Self.body(of: $0))) }
        let sources = [task] + results + arguments
        var tokens: Set<String> = []
        var numbers: Set<Double> = []
        for source in sources {
            for token in Self.tokens(of: source) {
                tokens.insert(token.lowercased())
                if let number = Double(token) { numbers.insert(number) }
            }
        }
        for result in results {
            let lines = result.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }.count
            numbers.formUnion([Double(lines), Double(max(lines - 1, 0))])
        }
        self.tokens = tokens
        self.numbers = numbers
    }

    /// The values `answer` states that no source shows, in order of first appearance.
    public func ungrounded(_ answer: String) -> [String] {
        var seen: Set<String> = []
        return Self.values(in: answer).filter { value in
            let key = value.lowercased()
            guard seen.insert(key).inserted else { return false }
            if tokens.contains(key) { return false }
            if let number = Double(value), numbers.contains(number) { return false }
            return true
        }
    }

    /// The value tokens of a text: numbers, and words with a digit in them or a dot or slash
    /// between name parts (box1, 3.11.2, notes.txt, logs/app.log).
    public static func values(in text: String) -> [String] {
        tokens(of: text).filter(isValue)
    }

    static func isValue(_ token: String) -> Bool {
        if token.contains(where: \.isNumber) { return true }
        guard token.contains(where: \.isLetter) else { return false }
        if token.contains("/") { return true }
        // A file name: a name of two characters or more, a dot, and an extension ("e.g." is not one).
        guard let dot = token.lastIndex(of: "."), dot > token.startIndex else { return false }
        let name = token[..<dot], suffix = token[token.index(after: dot)...]
        return name.count >= 2 && (1...5).contains(suffix.count) && suffix.allSatisfy { $0.isLetter || $0.isNumber }
    }

    /// Words of a text, where `.`, `/`, `_` and `-` inside a word belong to it, a thousands
    /// separator is dropped (1,234), and leading or trailing punctuation is not part of it.
    static func tokens(of text: String) -> [String] {
        var characters = Array(text)
        // "1,234" → "1234": the answer and the result may write the same number either way.
        for index in characters.indices.dropFirst().dropLast() where characters[index] == ","
            && characters[index - 1].isNumber && characters[index + 1].isNumber {
            characters[index] = "\u{0}"
        }
        let joined = String(characters.filter { $0 != "\u{0}" })
        let inner: Set<Character> = [".", "/", "_", "-"]
        return joined.split { !($0.isLetter || $0.isNumber || inner.contains($0)) }
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "./_-")) }
            .filter { !$0.isEmpty }
    }

    /// What a result shows of the run's world. A command's first line says how it ended ("exit
    /// code 1", "killed after 60 s wall-clock limit") and a cut output names the policy's limit:
    /// values of the sandbox, not of the workspace (grep finding nothing exits 1, which would
    /// ground an answer of 1). A command that printed nothing shows no line.
    static func observed(_ result: String) -> String {
        var lines = result.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, isProcessSummary(first) else { return result }
        lines.removeFirst()
        lines.removeAll { $0 == "stdout:" || $0 == "stderr:" || $0 == "(no output)" || $0.hasPrefix("[output cut at ") }
        return lines.joined(separator: "\n")
    }

    /// Whether `line` is how a sandboxed command ended, as its tool result's first line says it.
    static func isProcessSummary(_ line: Substring) -> Bool {
        if line.hasPrefix("exit code "), Int(line.dropFirst("exit code ".count)) != nil { return true }
        return line.hasPrefix("killed after ") || line.hasPrefix("killed by ") || line == "ended"
    }

    /// A result without the reminder of the task the loop adds after it (`Observation.text`).
    static func body(of result: String) -> String {
        guard let reminder = result.range(of: "\n\n(Task: ", options: .backwards) else { return result }
        return String(result[..<reminder.lowerBound])
    }
}
