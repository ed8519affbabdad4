import Foundation
public import NexusStore

/// How a new task lines up with the task of a trace: what changed, and whether every change is
/// a parameter the trace can be replayed with.
///
/// A follower may replay a trace only when the binding is total (the two tasks differ only in
/// their parameters); MIXED guidance uses the word-by-word changes to show the trace with the new
/// task's values; and the old task's values that the new task lacks (`staleLiterals`) must never
/// reach a tool or an answer of the new run.
public struct TaskBinding: Sendable {
    public var oldTask: String
    public var newTask: String
    public var oldParameters: [TaskParameter]
    public var newParameters: [TaskParameter]
    /// Whether the tasks have the same shape: every word in which they differ is a parameter.
    public var isTotal: Bool
    /// Words of the old task, old → new, changed in the new one (aligned word by word).
    public var substitutions: [(old: String, new: String)]
    /// Words and parameter values of the old task that the new task does not have: what the
    /// old run took from its task and the new run must not reuse.
    public var staleLiterals: [String]

    /// - Parameter names: words of each task read as bare names (`NamesInUse`).
    public init(old oldTask: String, new newTask: String, names: NamesInUse = .none) {
        self.oldTask = oldTask
        self.newTask = newTask
        let old = TaskSignature.analyze(oldTask, names: names.old), new = TaskSignature.analyze(newTask, names: names.new)
        oldParameters = old.parameters
        newParameters = new.parameters
        isTotal = old.signature == new.signature
        substitutions = Self.changes(from: Self.words(of: oldTask), to: Self.words(of: newTask))
        if isTotal {
            // Same shape: the parameters pair up by position, whatever their words.
            substitutions = zip(old.parameters, new.parameters).filter { $0.value != $1.value }.map { ($0.value, $1.value) }
        }
        let newLiterals = LiteralScan(newTask)
        let newValues = Set(new.parameters.map { $0.value.lowercased() })
        var stale: [String] = []
        for parameter in old.parameters where !newValues.contains(parameter.value.lowercased()) && !parameter.value.isEmpty {
            stale.append(parameter.value)
        }
        for word in LiteralScan.tokens(of: oldTask) where word.count > 1 && !newLiterals.contains(word) && !stale.contains(where: { $0.lowercased() == word }) {
            stale.append(word)
        }
        staleLiterals = stale
    }

    /// The parameters whose values changed, by index.
    public var changedParameters: [Int] {
        guard isTotal else { return [] }
        return zip(oldParameters, newParameters).enumerated().filter { $1.0.value != $1.1.value }.map(\.offset)
    }

    /// The words of the old task that differ from the new one and are not parameters (for a reason).
    public var unboundWords: [String] {
        guard !isTotal else { return [] }
        return substitutions.map(\.old).filter { !$0.isEmpty }
    }

    /// The first stale literal `text` carries (whole words, any case), or nil.
    public func staleLiteral(in text: String) -> String? {
        let scan = LiteralScan(text)
        return staleLiterals.first { scan.contains($0) }
    }

    /// `text` with the old task's changed words replaced by the new task's (whole words).
    public func substituted(_ text: String) -> String {
        var result = text
        for (old, new) in substitutions.sorted(by: { $0.old.count > $1.old.count }) where !old.isEmpty {
            result = LiteralScan.replacingWholeWord(old, with: new, in: result)
        }
        return result
    }

    static let longestAlignedTask = 300

    static func words(of task: String) -> [String] {
        task.split(whereSeparator: \.isWhitespace).map { word in
            String(word).trimmingCharacters(in: .init(charactersIn: ".,;:!?()[]{}<>'\"`"))
        }.filter { !$0.isEmpty }
    }

    /// The changed spans of two word lists (longest common subsequence, case-insensitive), each
    /// pair a replaced span; a span only deleted or only inserted pairs with "".
    static func changes(from old: [String], to new: [String]) -> [(old: String, new: String)] {
        // The table is quadratic: a task of a thousand words gets no word-by-word translation.
        guard old.count <= Self.longestAlignedTask, new.count <= Self.longestAlignedTask else { return [] }
        let a = old.map { $0.lowercased() }, b = new.map { $0.lowercased() }
        var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                table[i][j] = a[i] == b[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var pairs: [(old: String, new: String)] = []
        var i = 0, j = 0
        var removed: [String] = [], added: [String] = []
        func flush() {
            if removed.count == added.count {
                pairs += zip(removed, added).map { ($0, $1) }
            } else if !removed.isEmpty || !added.isEmpty {
                pairs.append((removed.joined(separator: " "), added.joined(separator: " ")))
            }
            removed = []
            added = []
        }
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                flush()
                i += 1
                j += 1
            } else if j < b.count, i == a.count || table[i][j + 1] >= table[i + 1][j] {
                added.append(new[j])
                j += 1
            } else {
                removed.append(old[i])
                i += 1
            }
        }
        flush()
        return pairs
    }
}

/// Whole-word, case-insensitive search in a text: words are runs of letters, digits and `_`.
struct LiteralScan {
    let text: String
    let lowered: String

    init(_ text: String) {
        self.text = text
        self.lowered = text.lowercased()
    }

    /// Whether `value` occurs in the text with no letter, digit or `_` right before or after it.
    func contains(_ value: String) -> Bool {
        let needle = value.lowercased()
        guard !needle.isEmpty else { return false }
        var start = lowered.startIndex
        while start < lowered.endIndex, let range = lowered.range(of: needle, range: start..<lowered.endIndex) {
            let before = range.lowerBound > lowered.startIndex ? lowered[lowered.index(before: range.lowerBound)] : " "
            let after = range.upperBound < lowered.endIndex ? lowered[range.upperBound] : " "
            if !Self.isWordCharacter(before), !Self.isWordCharacter(after) { return true }
            start = lowered.index(after: range.lowerBound)
        }
        return false
    }

    /// The words of a text, lowercased.
    static func tokens(of text: String) -> [String] {
        text.lowercased().split { !isWordCharacter($0) }.map(String.init)
    }

    static func isWordCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_"
    }

    /// `text` with each word in `words` (lowercased; single letters left alone) replaced by "<...>".
    static func masking(_ words: Set<String>, in text: String) -> String {
        guard !words.isEmpty else { return text }
        var result = ""
        var word = ""
        func flush() {
            let lower = word.lowercased()
            result += (lower.count > 1 || lower.allSatisfy(\.isNumber)) && words.contains(lower) ? "<...>" : word
            word = ""
        }
        for character in text {
            if isWordCharacter(character) { word.append(character) } else { flush(); result.append(character) }
        }
        flush()
        return result
    }

    /// `text` with each whole-word occurrence of `old` (any case) replaced by `new`.
    static func replacingWholeWord(_ old: String, with new: String, in text: String) -> String {
        var result = ""
        var rest = text[...]
        while let range = rest.range(of: old, options: .caseInsensitive) {
            let before = range.lowerBound > rest.startIndex ? rest[rest.index(before: range.lowerBound)] : (result.last ?? " ")
            let after = range.upperBound < rest.endIndex ? rest[range.upperBound] : " "
            result += rest[..<range.lowerBound]
            result += !isWordCharacter(before) && !isWordCharacter(after) ? new : String(rest[range])
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
