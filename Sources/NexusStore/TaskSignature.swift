/// The shape of a task, with its particulars abstracted: lowercased, quoted text, numbers, paths,
/// URLs and bare names replaced by placeholders, whitespace collapsed.
///
/// Two runs of "the same task" on different files or numbers get the same signature, so HOPE can
/// count how often a task shape recurs and how often it succeeds; the particulars lifted out are
/// the task's parameters, which a follower binds into a proven trace:
///
/// ```swift
/// TaskSignature.of("Summarize ./src/main.py into 'notes.txt' in 3 lines")
/// // "summarize <path> into <text> in <number> lines"
/// TaskSignature.parameters(of: "Summarize ./src/main.py into 'notes.txt' in 3 lines").map(\.value)
/// // ["./src/main.py", "notes.txt", "3"]
/// ```
public enum TaskSignature {
    /// The signature of `task`.
    public static func of(_ task: String, names: Set<String> = []) -> String {
        analyze(task, names: names).signature
    }

    /// The particulars of `task`, in order: one for each placeholder of its signature.
    public static func parameters(of task: String, names: Set<String> = []) -> [TaskParameter] {
        analyze(task, names: names).parameters
    }

    /// The signature of `task` and its parameters. A word in `names` (as written, punctuation
    /// around it left out) is a bare name too: one that a proven run of a task worded the same
    /// way used as a value (`NamesInUse`), which nothing in the word's spelling tells.
    public static func analyze(_ task: String, names: Set<String> = []) -> (signature: String, parameters: [TaskParameter]) {
        var words: [String] = []
        var parameters: [TaskParameter] = []
        var previous = ""
        for word in splitQuoted(task) {
            if case .quoted(let text) = word {
                words.append(textPlaceholder)
                parameters.append(TaskParameter(kind: .text, value: text))
                previous = textPlaceholder
                continue
            }
            guard case .plain(let original) = word else { continue }
            let trimmed = original.trimmingPunctuation()
            guard !trimmed.isEmpty else { continue }
            var placeholder = classify(trimmed.lowercased())
            if !placeholder.hasPrefix("<"), names.contains(trimmed) || isBareName(trimmed, after: previous) { placeholder = "<name>" }
            previous = trimmed.lowercased()
            words.append(placeholder)
            if let kind = TaskParameter.Kind(placeholder: placeholder) {
                // "drafts/" and "drafts" name the same folder, and calls write it without the slash.
                let value = kind == .path && trimmed.count > 1 && trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed
                parameters.append(TaskParameter(kind: kind, value: value))
            }
        }
        return (words.joined(separator: " "), parameters)
    }

    static let textPlaceholder = "<text>"

    private enum Word {
        case plain(String)
        case quoted(String)
    }

    /// Splits on whitespace, turning each quoted span ("...", `...`, or '...' opened at a word's
    /// start) into one quoted word.
    private static func splitQuoted(_ text: String) -> [Word] {
        var words: [Word] = []
        var current = ""
        var closing: Character?
        var previous: Character = " "
        for character in text {
            if let quote = closing {
                if character == quote { closing = nil; words.append(.quoted(current)); current = "" } else { current.append(character) }
            } else if character == "\"" || character == "`" || (character == "'" && (previous.isWhitespace || previous == "(")) {
                if !current.isEmpty { words.append(.plain(current)); current = "" }
                closing = character
            } else if character.isWhitespace {
                if !current.isEmpty { words.append(.plain(current)); current = "" }
            } else {
                current.append(character)
            }
            previous = character
        }
        if closing != nil {
            // An unclosed quote: keep the words as they are rather than swallowing the rest.
            return text.split(whereSeparator: \.isWhitespace).map { .plain(String($0)) }
        }
        if !current.isEmpty { words.append(.plain(current)) }
        return words
    }

    /// A word that names a thing rather than says what to do, although it has no `/` or
    /// extension: letters mixed with digits (`box1`, `Q3-report`, `draft9`), words joined by
    /// `-` or `_` (`annual-report`, `my_notes`), a word in capitals (`README`), or any word
    /// right after "folder", "file", "called", "named" and the like (`the folder invoices`, a
    /// file called `flag`). Lifting too much is safe: a follower replays only when every
    /// parameter that changed is used by the trace's calls or answer.
    private static func isBareName(_ word: String, after previous: String) -> Bool {
        guard couldBeName(word) else { return false }
        if word.contains(where: \.isNumber) { return true }
        if let first = word.first, let last = word.last, first.isLetter || first.isNumber, last.isLetter || last.isNumber,
           word.contains(where: { $0 == "-" || $0 == "_" }) {
            return true
        }
        if word.count >= 2, word.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) { return true }
        return namingWords.contains(previous)
    }

    /// Whether `word` is spelled as a name can be: two characters or more of letters, digits,
    /// `-`, `_` and `.`, a letter among them, and not a word that never names anything ("the", "all").
    public static func couldBeName(_ word: String) -> Bool {
        word.count > 1 && !notNames.contains(word.lowercased()) && word.contains(where: \.isLetter)
            && word.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }
    }

    /// Words after which the next word is a name.
    static let namingWords: Set<String> = ["folder", "directory", "dir", "file", "called", "named", "subfolder", "project", "repository", "repo"]

    /// Words that are never a name, even after a naming word ("the file called", "a folder with").
    static let notNames: Set<String> = [
        "a", "an", "the", "this", "that", "these", "those", "it", "its", "them", "their", "my", "your", "our", "all", "each", "every",
        "some", "any", "called", "named", "with", "without", "and", "or", "to", "in", "into", "of", "from", "for", "on", "at", "by",
        "as", "is", "are", "was", "be", "there", "here", "which", "what", "new", "same", "name", "names", "contents", "content",
        "folder", "folders", "file", "files", "directory", "first", "last", "then", "if", "so", "but", "not", "tell", "me",
    ]

    private static func classify(_ word: String) -> String {
        if word.contains("://") { return "<url>" }
        if word.contains(where: \.isNumber), word.allSatisfy({ $0.isNumber || ".,-+%:".contains($0) }) { return "<number>" }
        if word.contains("/") || word.contains("\\") || word.hasPrefix("~") { return "<path>" }
        return hasFileExtension(word) ? "<path>" : word
    }

    /// Whether `name` ends in an extension as a file's name does (`notes.txt`, `count.sh`; not
    /// `v1.2`, `e.g`): one to five letters and digits, a letter among them, after a named stem.
    public static func hasFileExtension(_ name: some StringProtocol) -> Bool {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return false }
        let stem = name[..<dot]
        let ext = name[name.index(after: dot)...]
        return (1...5).contains(ext.count) && ext.allSatisfy { $0.isLetter || $0.isNumber } && ext.contains(where: \.isLetter)
            && stem.contains { $0.isLetter || $0.isNumber }
    }
}

/// One particular of a task that its signature abstracts: a path, number, quoted text, URL or
/// bare name.
public struct TaskParameter: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case path, number, text, url
        /// A word that names a file, folder or thing without a `/` or an extension: `box1`, `Q3-report`.
        case name

        init?(placeholder: String) {
            guard placeholder.hasPrefix("<"), placeholder.hasSuffix(">") else { return nil }
            self.init(rawValue: String(placeholder.dropFirst().dropLast()))
        }
    }

    public var kind: Kind
    /// As the task wrote it (case kept, surrounding punctuation and quotes removed).
    public var value: String

    public init(kind: Kind, value: String) {
        self.kind = kind
        self.value = value
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
