/// Splits a command line into words the way `sh` would for a simple command, without a shell:
/// blanks separate words, single quotes keep text literally, double quotes keep text except for
/// `\"`, `\\`, `\$` and `` \` ``, and a backslash outside quotes escapes the next character.
///
/// Anything only a shell can do — pipes, redirection, `;`/`&&`, variables, command
/// substitution, globs, `~`, assignments before the command, comments — is reported as
/// ``Split/needsShell(_:)`` instead of being guessed at.
enum ShellWords {
    enum Split: Equatable {
        case words([String])
        /// The line uses shell syntax; the associated text names the first construct seen.
        case needsShell(String)
        /// A quote is not closed.
        case unterminatedQuote
    }

    private static let operators: Set<Character> = ["|", "&", ";", "<", ">", "(", ")", "$", "`", "*", "?", "[", "\n"]

    static func split(_ line: String) -> Split {
        var words: [String] = []
        var current = ""
        var inWord = false
        var characters = line.makeIterator()

        func finishWord() {
            if inWord { words.append(current) }
            current = ""
            inWord = false
        }

        while let character = characters.next() {
            switch character {
            case " ", "\t":
                finishWord()
            case "'":
                inWord = true
                var closed = false
                while let inner = characters.next() {
                    if inner == "'" { closed = true; break }
                    current.append(inner)
                }
                if !closed { return .unterminatedQuote }
            case "\"":
                inWord = true
                var closed = false
                while let inner = characters.next() {
                    if inner == "\"" { closed = true; break }
                    if inner == "$" || inner == "`" { return .needsShell(String(inner)) }
                    if inner == "\\" {
                        guard let escaped = characters.next() else { return .unterminatedQuote }
                        if !["\"", "\\", "$", "`", "\n"].contains(escaped) { current.append("\\") }
                        if escaped != "\n" { current.append(escaped) }
                        continue
                    }
                    current.append(inner)
                }
                if !closed { return .unterminatedQuote }
            case "\\":
                guard let escaped = characters.next() else { return .needsShell("\\") }
                if escaped != "\n" {
                    current.append(escaped)
                    inWord = true
                }
            default:
                if operators.contains(character) { return .needsShell(String(character)) }
                if !inWord && (character == "~" || character == "#" || character == "!" || character == "{") {
                    return .needsShell(String(character))
                }
                if character == "=" && words.isEmpty && !current.isEmpty && !current.contains("/") {
                    return .needsShell("\(current)=")  // an assignment before the command
                }
                current.append(character)
                inWord = true
            }
        }
        finishWord()
        return .words(words)
    }
}
