import Foundation

/// One candidate program, run in a scratch copy of the workspace (`ScratchWorkspace`).
struct ProgramTrial: Sendable, Equatable {
    /// Its place among the replies drawn, the greedy one first.
    var draw: Int
    /// It exited cleanly, reported no failure it caught, left no path the task asks for missing,
    /// and did what the task's kind asks: changed something for a change; for a question,
    /// changed nothing and printed a value it found (one its code and the task do not hold: two
    /// programs printing only their own labels agree on nothing); for a task that is neither in
    /// its words, either.
    var worked: Bool
    /// What it did, in a form two programs doing the same thing share (``ProgramVote/behavior(changes:found:)``).
    var behavior: String
}

/// Which of several programs drawn for one task to run. A small model's programs go wrong in
/// different ways (a header summed as data, a word looked for in a file's name, an extension the
/// files do not have) and right in one, so agreement among independent draws is evidence a
/// single draw cannot give. A sampled program alone is not: on the agent benchmark's dev tasks,
/// one that merely touched the file to copy, or sorted a poem it was asked to fix, ran in place
/// of a greedy program whose error the fix turn would have mended.
enum ProgramVote {
    /// The draw to run: the first of the largest group of at least two working trials that did
    /// the same (on a tie, the group holding the earliest draw); else the greedy program (draw
    /// 0), whether it worked or not, as when one program is drawn. Nil when the greedy program
    /// did not work and no two others agreed: the first runs, and a failure goes to the fix turn.
    static func chosen(_ trials: [ProgramTrial]) -> Int? {
        let working = trials.filter(\.worked)
        let groups = Dictionary(grouping: working, by: \.behavior)
        let best = groups.values.max { left, right in
            left.count != right.count ? left.count < right.count : left.map(\.draw).min()! > right.map(\.draw).min()!
        }
        if let best, best.count >= 2 { return best.map(\.draw).min() }
        return working.contains { $0.draw == 0 } ? 0 : nil
    }

    /// Whether a program's output reports a failure it caught ("An error occurred: ...", an
    /// exception's name): the words error, exception or traceback where the task has none.
    static func reportsFailure(output: String, task: String) -> Bool {
        let said = Set(values(in: output).flatMap { $0.split { !$0.isLetter }.map(String.init) })
        let asked = Set(values(in: task).flatMap { $0.split { !$0.isLetter }.map(String.init) })
        return said.contains { word in failureWords.contains { word.hasSuffix($0) } && !asked.contains(word) }
    }

    static let failureWords = ["error", "exception", "traceback"]

    /// The values a program's output holds that neither its own code nor the task wrote:
    /// "The total is 42" and "42" print one value, as do `['a.txt', 'b.txt']` and two lines
    /// `a.txt`, `b.txt`. Numbers compare by value to two decimals (85, 85.0 and 85.001 are one).
    static func found(output: String, code: String, task: String) -> [String] {
        let known = Set(values(in: code) + values(in: task))
        return Set(values(in: output)).subtracting(known).sorted()
    }

    /// What a program did: the files it changed, with their new text; for one that changed
    /// nothing, the values it found. What a change printed on the way (a count of bytes written,
    /// the value of a last expression the runner shows) does not tell two changes apart.
    static func behavior(changes: [String], found: [String]) -> String {
        (changes.isEmpty ? ["printed:"] + found : changes).joined(separator: "\n")
    }

    /// The words, names and numbers of a text, lowercased: runs of letters, digits and the
    /// characters a file name or a time holds, without the punctuation that ends a sentence.
    static func values(in text: String) -> [String] {
        let edges = CharacterSet(charactersIn: ".,:;_/")
        return text.lowercased()
            .split { !($0.isLetter || $0.isNumber || "._-/:@".contains($0)) }
            .map { $0.trimmingCharacters(in: edges) }
            .filter { !$0.isEmpty }
            .map { number($0) ?? $0 }
    }

    private static func number(_ token: String) -> String? {
        guard token.last?.isNumber == true, let value = Double(token), value.isFinite else { return nil }
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int(rounded)) : String(rounded)
    }
}
