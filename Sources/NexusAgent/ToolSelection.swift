import Foundation
import NexusCore
import NexusStore

/// Which tools a run offers the model: the few a task's words point to, plus listing and reading.
///
/// A small model picks the right tool far more often among five tools than among fifteen, and a
/// shorter prompt is evaluated sooner. A tool is a candidate when a task word is in its name or
/// keywords; candidates are ranked by the task's words they share with their name and keywords
/// (and, weighing a quarter, their description), each word weighted by how few tools it names,
/// so "total" points to Python while "file" points nowhere in particular. A tool whose calls
/// have mostly failed in earlier runs (`ToolStatsStore`) gives way to one the words point to as
/// much or nearly as much.
/// The engine accepts calls only to the offered tools, so what is left out here cannot be called.
struct ToolSelection {
    /// Most tools chosen by score, besides the ones always offered.
    static let limit = 4
    /// Looking at the workspace is part of almost every task.
    static let alwaysOffered: Set<String> = ["filesystem_list", "filesystem_read"]

    struct Candidate {
        var definition: ToolDefinition
        var keywords: [String]
    }

    /// Calls a tool must have had before its record counts: a first failure or two says little.
    static let provenCalls = 5

    /// The share of its score a tool keeps for its record: all of it until it has `provenCalls`
    /// calls, then 3/4 plus 1/4 of its success rate. Words still decide: a tool that keeps failing
    /// loses only to one the task points to about as much, since among near-equals a small model
    /// does better with the tool that has worked. With no statistics every score stays as it is.
    static func reliability(_ stats: ToolStats?) -> Double {
        guard let stats, stats.calls >= provenCalls else { return 1 }
        return 0.75 + 0.25 * Double(stats.ok) / Double(stats.calls)
    }

    /// The chosen tools, in the order given.
    /// - Parameter stats: How each tool's earlier calls ended, by name.
    static func choose(from candidates: [Candidate], for task: String, stats: [String: ToolStats] = [:]) -> [ToolDefinition] {
        let taskWords = words(task)
        let strong = candidates.map { words($0.definition.name.replacingOccurrences(of: "_", with: " ") + " " + $0.keywords.joined(separator: " ")) }
        let weak = candidates.map { words($0.definition.description) }
        func weight(_ word: String) -> Double {
            let naming = candidates.indices.filter { strong[$0].contains(word) || weak[$0].contains(word) }.count
            return log(Double(candidates.count + 1) / (Double(naming) + 0.5))
        }
        let weights = Dictionary(uniqueKeysWithValues: taskWords.map { ($0, weight($0)) })
        let scores = candidates.indices.map { index in
            taskWords.reduce(0.0) { total, word in
                total + weights[word]! * (strong[index].contains(word) ? 1 : weak[index].contains(word) ? 0.25 : 0)
            } * reliability(stats[candidates[index].definition.name])
        }
        // A tool is chosen only when a task word is in its name or keywords: descriptions alone
        // (a "version" argument) would bring in tools nobody asked for.
        let named = candidates.indices.filter { !strong[$0].isDisjoint(with: taskWords) }
        let ranked = named.sorted { scores[$0] > scores[$1] }.prefix(limit)
        let chosen = Set(ranked).union(candidates.indices.filter { alwaysOffered.contains(candidates[$0].definition.name) })
        return candidates.indices.filter(chosen.contains).map { candidates[$0].definition }
    }

    /// Lowercased words without the commonest ones, a plural "s" dropped so "files" meets "file".
    static func words(_ text: String) -> Set<String> {
        let tokens = text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
        return Set(tokens.filter { !stopWords.contains($0) }.map { word in
            word.count > 3 && word.hasSuffix("s") && !word.hasSuffix("ss") ? String(word.dropLast()) : word
        })
    }

    static let stopWords: Set<String> = [
        "a", "an", "the", "of", "in", "to", "and", "or", "is", "are", "be", "it", "its", "this", "that", "for",
        "on", "with", "by", "as", "at", "from", "do", "does", "me", "i", "my",
    ]
}

extension AgentRunner {
    /// How each tool's calls ended in earlier runs, by name; none when they cannot be read
    /// (statistics only advise, and choosing without them is what a new home does).
    func toolStats() -> [String: ToolStats] {
        let all = (try? ToolStatsStore(database: database).all()) ?? []
        return Dictionary(all.map { ($0.tool, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
