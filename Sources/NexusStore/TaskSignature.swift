/// The shape of a task, with its particulars abstracted: lowercased, quoted text, numbers, paths
/// and URLs replaced by placeholders, whitespace collapsed.
///
/// Two runs of "the same task" on different files or numbers get the same signature, so HOPE can
/// count how often a task shape recurs and how often it succeeds:
///
/// ```swift
/// TaskSignature.of("Summarize ./src/main.py into 'notes.txt' in 3 lines")
/// // "summarize <path> into <text> in <number> lines"
/// ```
public enum TaskSignature {
    /// The signature of `task`.
    public static func of(_ task: String) -> String {
        var words: [String] = []
        for word in splitQuoted(task.lowercased()) {
            if word == textPlaceholder {
                words.append(word)
                continue
            }
            let trimmed = word.trimmingPunctuation()
            guard !trimmed.isEmpty else { continue }
            words.append(classify(trimmed))
        }
        return words.joined(separator: " ")
    }

    static let textPlaceholder = "<text>"

    /// Splits on whitespace, turning each quoted span ("...", `...`, or '...' opened at a word's
    /// start) into one `<text>` word.
    private static func splitQuoted(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var closing: Character?
        var previous: Character = " "
        for character in text {
            if let quote = closing {
                if character == quote { closing = nil; words.append(textPlaceholder) }
            } else if character == "\"" || character == "`" || (character == "'" && (previous.isWhitespace || previous == "(")) {
                if !current.isEmpty { words.append(current); current = "" }
                closing = character
            } else if character.isWhitespace {
                if !current.isEmpty { words.append(current); current = "" }
            } else {
                current.append(character)
            }
            previous = character
        }
        if closing != nil {
            // An unclosed quote: keep the words as they are rather than swallowing the rest.
            return text.split(whereSeparator: \.isWhitespace).map(String.init)
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    private static func classify(_ word: String) -> String {
        if word.contains("://") { return "<url>" }
        if word.contains(where: \.isNumber), word.allSatisfy({ $0.isNumber || ".,-+%:".contains($0) }) { return "<number>" }
        if word.contains("/") || word.contains("\\") || word.hasPrefix("~") { return "<path>" }
        if let dot = word.lastIndex(of: "."), dot != word.startIndex {
            let name = word[..<dot]
            let ext = word[word.index(after: dot)...]
            if (1...5).contains(ext.count), ext.allSatisfy({ $0.isLetter || $0.isNumber }), ext.contains(where: \.isLetter),
               name.contains(where: { $0.isLetter || $0.isNumber }) {
                return "<path>"
            }
        }
        return word
    }
}

extension String {
    fileprivate func trimmingPunctuation() -> String {
        let edges: Set<Character> = [".", ",", ";", ":", "!", "?", "(", ")", "[", "]", "{", "}", "<", ">", "'", "\"", "`"]
        var characters = Substring(self)
        while let first = characters.first, edges.contains(first) { characters.removeFirst() }
        while let last = characters.last, edges.contains(last) { characters.removeLast() }
        return String(characters)
    }
}
