import Foundation

/// Turns free text from a user or a model into a safe FTS5 query.
///
/// FTS5 has its own query syntax (`AND`, `NEAR`, `*`, `"`, column filters, ...), so raw text
/// often fails to parse or means something else. Here the text is split into words the way
/// FTS5's `unicode61` tokenizer splits it (letters and digits; everything else separates), each
/// word is quoted, and the words are joined with `OR`: any shared word is a match and bm25 ranks
/// documents with more and rarer shared words first.
enum FullTextQuery {
    /// Common English words dropped from queries (when other words remain): they match almost
    /// every memory and would only add noise to recall.
    static let stopWords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "by", "do", "for", "from", "how", "i", "in", "is",
        "it", "me", "my", "of", "on", "or", "so", "that", "the", "this", "to", "was", "what", "when",
        "where", "which", "who", "will", "with", "you", "your",
    ]

    /// The FTS5 query, or nil when the text has no words at all.
    /// - Parameters:
    ///   - text: Any text.
    ///   - maxWords: The most words kept (the first ones), bounding the query's cost.
    static func matchExpression(_ text: String, maxWords: Int = 32) -> String? {
        var words: [String] = []
        var seen: Set<String> = []
        var current = ""
        func flush() {
            if !current.isEmpty, seen.insert(current).inserted { words.append(current) }
            current = ""
        }
        for character in text.lowercased() {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else {
                flush()
            }
        }
        flush()
        let meaningful = words.filter { !stopWords.contains($0) }
        let chosen = (meaningful.isEmpty ? words : meaningful).prefix(maxWords)
        guard !chosen.isEmpty else { return nil }
        return chosen.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " OR ")
    }
}
