public import NexusCore
import NexusStore

/// Bare words read as names because a proven run used them as values: "Rename scratch to
/// keepers." after "Rename draft9 to final9." differs in two plain words that nothing in their
/// spelling marks as names, but the earlier run passed `draft9` and `final9` to its tools whole.
///
/// A binding by names in use is made only when it is total and each change is one such value:
/// - the two tasks are worded alike but for single words swapped one for one (aligned word by
///   word; a word added, dropped or moved makes no binding);
/// - every old word that changed is a whole value of one of the old run's calls: an argument or
///   a part of a path between `/`, with a trailing line break at most; in code, a string literal
///   passed whole to a function other than print, or assigned (`passedLiterals`);
/// - every new word is spelled as a name can be (`TaskSignature.couldBeName`).
///
/// "Count the lines of notes" and "Count the words of notes" stay apart: `lines` is no value a
/// call passed, only a word of code (`readlines`) or of printed text (`print(n, 'lines')`).
public struct NamesInUse: Sendable, Hashable {
    /// Words of the old task and of the new one to read as names.
    public var old: Set<String>
    public var new: Set<String>

    public static let none = NamesInUse(old: [], new: [])

    public init(old: Set<String>, new: Set<String>) {
        self.old = old
        self.new = new
    }

    /// The names that bind `newTask` to `oldTask`, whose run made calls with `arguments`, or nil
    /// when the tasks differ in anything else, or in nothing. `arguments` is read only once the
    /// wording allows a binding (the dispatcher loads them from the store).
    public static func binding(old oldTask: String, new newTask: String, arguments: () throws -> [JSONValue]) rethrows -> NamesInUse? {
        let changes = TaskBinding.changes(from: TaskBinding.words(of: oldTask), to: TaskBinding.words(of: newTask))
        guard !changes.isEmpty else { return nil }
        var names = NamesInUse.none
        for (old, new) in changes {
            guard !old.contains(" "), !new.contains(" ") else { return nil }
            // Two numbers or two paths are parameters already, checked as any are.
            if TaskSignature.of(old).hasPrefix("<"), TaskSignature.of(old) == TaskSignature.of(new) { continue }
            guard TaskSignature.couldBeName(new), TaskSignature.couldBeName(old) else { return nil }
            names.old.insert(old)
            names.new.insert(new)
        }
        let values = Set(try arguments().flatMap { wholeValues(of: $0) })
        guard names.old.isSubset(of: values) else { return nil }
        // Read so, the tasks must have one shape (a word lifted in one and not the other would not be).
        guard TaskSignature.of(oldTask, names: names.old) == TaskSignature.of(newTask, names: names.new) else { return nil }
        return names
    }

    /// The values calls pass whole: each argument, and its path parts; in code (`code`,
    /// `command`), only the string literals it passes whole (`passedLiterals`).
    /// Each without one trailing line break.
    static func wholeValues(of arguments: JSONValue, key: String = "") -> [String] {
        switch arguments {
        case .object(let object): return object.flatMap { wholeValues(of: $0.value, key: $0.key) }
        case .array(let items): return items.flatMap { wholeValues(of: $0, key: key) }
        case .string(let text):
            let values = codeKeys.contains(key) ? passedLiterals(in: text) : [text]
            return (values + values.flatMap { $0.split(separator: "/").map(String.init) }).map(withoutLineBreak)
        default: return []
        }
    }

    static let codeKeys: Set<String> = ["code", "command"]
    /// The tools whose argument is code.
    static let codeTools: Set<String> = ["python_execute", "execute_command"]

    /// The string literals code passes whole: each argument of a call that is a plain literal
    /// (`os.listdir('box1')`, `count_files("crates")`, `os.rename('a', 'b')`), except what it
    /// prints, and the value of a plain assignment (`folder = 'box1'`). A label printed
    /// (`print(n, 'lines')`) or a word inside a longer text (`f"{n} files in box3"`) is not one.
    public static func passedLiterals(in code: String) -> [String] {
        var literals: [String] = []
        let characters = Array(code)
        var index = 0
        func skipSpaces() { while index < characters.count, characters[index] == " " { index += 1 } }
        while index < characters.count {
            let opener = characters[index]
            guard opener == "(" || opener == "=" else { index += 1; continue }
            var nameStart = index
            while nameStart > 0, characters[nameStart - 1] == " " { nameStart -= 1 }
            let nameEnd = nameStart
            while nameStart > 0, characters[nameStart - 1].isLetter || characters[nameStart - 1].isNumber || characters[nameStart - 1] == "_" {
                nameStart -= 1
            }
            let name = String(characters[nameStart..<nameEnd])
            let following = index + 1 < characters.count ? characters[index + 1] : " "
            let preceding = index > 0 ? characters[index - 1] : " "
            index += 1
            // A call of a named function other than print; an assignment, not `==`, `<=`, `!=` or `+=`.
            if opener == "(" { guard !name.isEmpty, name != "print" else { continue } }
            if opener == "=" { guard !name.isEmpty, following != "=", !"=<>!+-*/%&|^:".contains(preceding) else { continue } }
            while true {
                skipSpaces()
                guard index < characters.count, characters[index] == "'" || characters[index] == "\"",
                      let (literal, end) = literal(in: characters, from: index) else { break }
                index = end
                skipSpaces()
                // Only a literal standing alone: not the start of `'a' + b` or `'x'.join(...)`.
                let next = index < characters.count ? characters[index] : "\n"
                guard next == "," || next == ")" || next == "\n" || next == "#" else { break }
                literals.append(literal)
                guard opener == "(", next == "," else { break }
                index += 1
            }
        }
        return literals
    }

    /// The text of a call to `tool` without its code's comments (`# Call the function`): words
    /// a program says about itself, not values it passes. Other tools' arguments as they are.
    public static func withoutComments(_ text: String, tool: String) -> String {
        guard codeTools.contains(tool) else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            var quote: Character?
            for index in line.indices {
                let character = line[index]
                if let open = quote {
                    if character == open { quote = nil }
                } else if character == "'" || character == "\"" {
                    quote = character
                } else if character == "#" {
                    return line[..<index]
                }
            }
            return line
        }.joined(separator: "\n")
    }

    /// The quoted literal opening at `start` and the index after its closing quote (one line, escapes kept as written).
    private static func literal(in characters: [Character], from start: Int) -> (String, Int)? {
        let quote = characters[start]
        var text = ""
        var index = start + 1
        while index < characters.count {
            let character = characters[index]
            if character == "\n" { return nil }
            if character == "\\", index + 1 < characters.count {
                text.append(character)
                text.append(characters[index + 1])
                index += 2
                continue
            }
            if character == quote { return (text, index + 1) }
            text.append(character)
            index += 1
        }
        return nil
    }

    private static func withoutLineBreak(_ value: String) -> String {
        if value.hasSuffix("\\n") { return String(value.dropLast(2)) }
        if value.hasSuffix("\n") { return String(value.dropLast()) }
        return value
    }
}
